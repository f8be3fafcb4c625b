// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter's HTTP server, see exporter.h.
 *
 * HTTP is libmicrohttpd's: it parses requests, bounds their headers
 * (CONNECTION_MEMORY_LIMIT, 431 past it), drops idle connections and
 * holds the number of connections. Its one internal thread runs every
 * callback, so this socket and the last scrape's counts are only ever
 * touched from there: scrapes queue rather than race. The daemon's view
 * is a reference-counted snapshot, see struct exporter.
 */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdeflate.h>
#include <microhttpd.h>

#include "cgquery.h"
#include "exporter.h"
#include "httpneg.h"
#include "membuf.h"
#include "module.h"
#include "prom.h"

/* request line and headers: past this libmicrohttpd answers 431 */
#define CONNECTION_MEMORY	(32 << 10)
/* glibc's largest mmap threshold on 64-bit: bigger blocks are mmap'ed */
#define SCRAPE_HEAP_MAX		(32 << 20)

#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/* A view the daemon published, freed by whoever drops the last reference. */
struct snapshot {
	unsigned int refs;		/* under exporter.lock */
	struct exporter_view v;		/* tiers sorted by id */
};

struct exporter {
	struct exporter_cfg cfg;
	struct mq_nl *nl;		/* NULL until a scrape opens it */
	struct mq_prom_seen seen;	/* the last scrape's stall counts */
	struct mq_prom_labels labels;	/* the last scrape's label sets */
	struct mq_cg_list list;		/* the last scrape's, for its array */
	struct mq_cgq_select select;	/* what the collectors write */
	size_t body_len;		/* the last scrape's */
	struct mq_prom_opts opts;
	bool serving;		/* started: client errors are not news */
	struct MHD_Daemon *mhd;
	/*
	 * The daemon's last view: swapped from its thread, referenced from
	 * ours. The lock covers the pointer and the counts only, so neither
	 * thread waits for the other's work.
	 */
	pthread_mutex_t lock;
	struct snapshot *snap;
	/* the server's thread only: made at the first gzip'ed scrape */
	struct libdeflate_compressor *gz;
};

static int tier_cmp(const void *a, const void *b)
{
	const struct exporter_tier *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* mq_prom_opts.tier: @ctx is the scrape's snapshot, or NULL */
static const char *tier_of(void *ctx, const struct mq_cg_rec *r,
			   const char **source)
{
	const struct snapshot *s = ctx;
	const struct exporter_tier key = { .id = r->id }, *t;

	if (!s || !s->v.n_tiers)
		return NULL;
	t = bsearch(&key, s->v.tiers, s->v.n_tiers, sizeof(key), tier_cmp);
	if (!t)
		return NULL;
	*source = t->source;
	return t->tier;
}

void exporter_view_free(struct exporter_view *v)
{
	size_t i;

	for (i = 0; i < v->n_tiers; i++) {
		free(v->tiers[i].tier);
		free(v->tiers[i].source);
	}
	free(v->tiers);
	v->tiers = NULL;
	v->n_tiers = 0;
	mq_prom_daemon_free(&v->dec);
	free(v->text);
	v->text = NULL;
}

static void snapshot_put(struct exporter *e, struct snapshot *s)
{
	bool last;

	if (!s)
		return;
	pthread_mutex_lock(&e->lock);
	last = !--s->refs;
	pthread_mutex_unlock(&e->lock);
	if (last) {
		exporter_view_free(&s->v);
		free(s);
	}
}

static struct snapshot *snapshot_get(struct exporter *e)
{
	struct snapshot *s;

	pthread_mutex_lock(&e->lock);
	s = e->snap;
	if (s)
		s->refs++;
	pthread_mutex_unlock(&e->lock);
	return s;
}

void exporter_publish(struct exporter *e, struct exporter_view *v)
{
	struct snapshot *s = malloc(sizeof(*s)), *old;

	if (!s) {
		exporter_view_free(v);
		return;
	}
	/* sorted here, outside the lock */
	qsort(v->tiers, v->n_tiers, sizeof(*v->tiers), tier_cmp);
	s->refs = 1;
	s->v = *v;
	pthread_mutex_lock(&e->lock);
	old = e->snap;
	e->snap = s;
	pthread_mutex_unlock(&e->lock);
	snapshot_put(e, old);
}

/*
 * One netlink dump of the cgroups, plus the module's version and counters
 * (one message each), written to @fp with the tiers of @snap. false if
 * the module could not be read: the socket is dropped, so that a module
 * loaded again is found.
 */
static bool scrape_module(struct exporter *e, FILE *fp,
			  struct snapshot *snap)
{
	struct mq_cg_list *list = &e->list;
	struct mq_mod_version ver;
	struct mq_mod_stats st = { };
	struct mq_oom_list kills = { };
	bool has_ver, has_st, has_kills, gone;
	int err;

	err = mq_cgq_dump_some(&e->nl, list, &e->select);
	if (err) {
		gone = err == -ENOENT && (!e->nl || !e->nl->family.id);
		if (e->cfg.verbose)
			fprintf(stderr, "memqos: exporter: scrape: %s\n",
				gone ? "module not loaded" : strerror(-err));
		mq_cg_list_clear(list);
		mq_nl_close(e->nl);
		e->nl = NULL;
		return false;
	}
	mq_cg_list_keep(list, e->cfg.max_depth, e->cfg.glob);
	/* a module too old for them: no kills */
	has_kills = (e->opts.collect & 1U << PROM_C_OOM) &&
		    !mq_oom_list_get(&e->nl, &kills);
	has_ver = !mq_mod_version_get(&e->nl, &ver);
	has_st = !mq_mod_stats_get(&e->nl, &st);
	e->opts.tier_ctx = snap;
	err = mq_prom_write_exporter(fp, list, &e->opts);
	if (!err && has_kills)
		err = mq_prom_write_oom_kills(fp, &kills);
	if (!err) {
		mq_prom_write_module(fp, has_ver ? &ver : NULL,
				     has_st ? &st : NULL, NULL);
		/* on ENOMEM the next scrape shows every stall again */
		mq_prom_seen_update(&e->seen, list);
	}
	mq_mod_stats_free(&st);
	mq_oom_list_free(&kills);
	mq_cg_list_clear(list);
	return !err;
}

/*
 * The body of GET /metrics into *@buf (malloc'ed); its length, or -1.
 * Its buffer starts at the last body's size and a little more, so it is
 * not grown while written.
 */
static ssize_t metrics_body(struct exporter *e, char **buf)
{
	struct snapshot *snap;
	struct mq_membuf b;
	FILE *fp;
	bool up;

	fp = mq_membuf_open(&b, e->body_len + e->body_len / 8 + 4096);
	if (!fp)
		return -1;
	snap = snapshot_get(e);
	up = scrape_module(e, fp, snap);
	mq_prom_write_up(fp, up);
	/* the daemon's decisions, module or not: it reads cgroupfs too */
	if (snap) {
		mq_prom_write_daemon(fp, &snap->v.dec);
		if (snap->v.text)
			fputs(snap->v.text, fp);
	}
	snapshot_put(e, snap);
	if (mq_membuf_close(&b, fp))
		return -1;
	*buf = b.buf;
	e->body_len = b.len;
	return b.len;
}

/*
 * @in gzip'ed into a new buffer; its length, or -1 (@in left as it is).
 * libdeflate, not zlib: the whole body is at hand, and its one-shot
 * compressor took 0.6 times zlib's CPU for 14% fewer bytes (a 9 MB
 * scrape, level 1 both). Level 1: a scrape's text is repetitive enough
 * that it still shrinks ~15 times, at a third of level 6's CPU; the
 * compressor, whose setup allocates its tables, is kept between scrapes.
 */
static ssize_t gzip_body(struct exporter *e, const char *in, size_t len,
			 char **out)
{
	size_t bound, n;

	if (!e->gz)
		e->gz = libdeflate_alloc_compressor(1);
	if (!e->gz)
		return -1;
	bound = libdeflate_gzip_compress_bound(e->gz, len);
	*out = malloc(bound);
	if (!*out)
		return -1;
	n = libdeflate_gzip_compress(e->gz, in, len, *out, bound);
	if (!n) {
		free(*out);
		return -1;
	}
	return n;
}

/*
 * The attributes the collectors of @collect write: all a scrape asks the
 * module for, which then reads only the statistics behind them.
 */
static void select_collected(unsigned int collect, struct mq_cgq_select *sel)
{
	const struct mq_field *f;
	size_t i;

	memset(sel, 0, sizeof(*sel));
	for (i = 0; i < mq_cgroup_fields.n; i++) {
		f = &mq_cgroup_fields.fields[i];
		if (collect & 1U << mq_prom_field_collector(f))
			mq_cgq_select_add(sel, f->attr);
	}
	/* the stall counts say which cgroups stalled since the last scrape */
	if (collect & 1U << PROM_C_HISTOGRAMS)
		mq_cgq_select_add(sel, MEMQOS_A_CGROUP_HIST);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status,
			     const char *type, void *body, size_t len,
			     enum MHD_ResponseMemoryMode mode, bool gzip)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, mode);
	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (gzip)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING,
					"gzip");
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY,
				MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c,
				  unsigned int status, const char *text)
{
	return reply(c, status, "text/plain; charset=utf-8", (void *)text,
		     strlen(text), MHD_RESPMEM_PERSISTENT, false);
}

static const char index_page[] =
	"memqos exporter: per-cgroup memory QoS metrics of the memqos\n"
	"kernel module.\n"
	"\n"
	"  /metrics  the metrics, Prometheus text format 0.0.4\n"
	"  /healthz  200 \"ok\" while the exporter serves (memqos_up in\n"
	"            /metrics says whether the module answers)\n"
	"\n"
	"See memqos(8), 'memqos exporter'.\n";

static enum MHD_Result serve_metrics(struct exporter *e,
				     struct MHD_Connection *c)
{
	const char *ae;
	char *body, *gz;
	ssize_t len, n;

	len = metrics_body(e, &body);
	if (len < 0)
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "out of memory\n");
	ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					 MHD_HTTP_HEADER_ACCEPT_ENCODING);
	if (mq_http_accepts_gzip(ae)) {
		n = gzip_body(e, body, len, &gz);
		if (n >= 0) {
			free(body);
			return reply(c, MHD_HTTP_OK, CONTENT_TYPE, gz, n,
				     MHD_RESPMEM_MUST_FREE, true);
		}
	}
	return reply(c, MHD_HTTP_OK, CONTENT_TYPE, body, len,
		     MHD_RESPMEM_MUST_FREE, false);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	static int headers_done;
	struct exporter *e = cls;

	(void)version;
	(void)upload_data;
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "GET or HEAD only\n");
	/*
	 * The first call has the headers only. Answering there makes
	 * libmicrohttpd close the connection after the reply (the body is
	 * unread): wait for the request's end, and a scraper keeps its
	 * connection from one scrape to the next.
	 */
	if (!*con_cls) {
		*con_cls = &headers_done;
		return MHD_YES;
	}
	/* a body on a GET means nothing: read and dropped */
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (!strcmp(url, "/metrics"))
		return serve_metrics(e, c);
	if (!strcmp(url, "/healthz"))
		return reply_text(c, MHD_HTTP_OK, "ok\n");
	if (!strcmp(url, "/"))
		return reply_text(c, MHD_HTTP_OK, index_page);
	return reply_text(c, MHD_HTTP_NOT_FOUND, "not found: see /\n");
}

void exporter_cfg_init(struct exporter_cfg *cfg)
{
	*cfg = (struct exporter_cfg){
		.listen = EXPORTER_DEFAULT_LISTEN,
		.collect = mq_prom_default_collect(),
		.max_depth = UINT_MAX,
		.max_conns = 16,
		.timeout = 10,
	};
}

int exporter_parse_listen(const char *arg, struct sockaddr_storage *ss)
{
	struct addrinfo hints = {
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
		.ai_socktype = SOCK_STREAM,
	};
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(arg, ':');
	struct addrinfo *ai;
	size_t hlen;

	if (!colon || !colon[1] || (size_t)(colon - arg) >= sizeof(host))
		return -EINVAL;
	hlen = colon - arg;
	memcpy(host, arg, hlen);
	host[hlen] = '\0';
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		memmove(host, host + 1, hlen - 2);
		host[hlen - 2] = '\0';
	} else if (strchr(host, ':')) {
		/* an IPv6 address wants brackets */
		return -EINVAL;
	}
	if (getaddrinfo(*host ? host : NULL, colon + 1, &hints, &ai))
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	return 0;
}

/*
 * libmicrohttpd's messages: why it could not start, always; what a client
 * got wrong, only with -v, or anyone who can connect fills the journal.
 */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	const struct exporter *e = cls;

	if (__atomic_load_n(&e->serving, __ATOMIC_RELAXED) && !e->cfg.verbose)
		return;
	fputs("memqos: exporter: ", stderr);
	vfprintf(stderr, fmt, ap);
}

struct exporter *exporter_start(const struct exporter_cfg *cfg)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	unsigned int conns = cfg->max_conns;
	struct sockaddr_storage ss = { };
	struct exporter *e;

	if (exporter_parse_listen(cfg->listen, &ss)) {
		fprintf(stderr, "memqos: exporter: cannot listen on '%s'\n",
			cfg->listen);
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->cfg = *cfg;
	e->opts.collect = cfg->collect;
	select_collected(cfg->collect, &e->select);
	e->opts.page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	e->opts.seen = &e->seen;
	e->opts.labels = &e->labels;
	e->opts.tier = tier_of;
	pthread_mutex_init(&e->lock, NULL);
	/*
	 * A scrape's buffers (megabytes at 10,000 cgroups) come from the
	 * heap and go back to it, not to fresh mmaps: faulting in and
	 * zeroing new pages each scrape was a tenth of its CPU.
	 */
	mallopt(M_MMAP_THRESHOLD, SCRAPE_HEAP_MAX);
	mallopt(M_TRIM_THRESHOLD, 2 * SCRAPE_HEAP_MAX);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* the logger first, or libmicrohttpd logs the options' errors itself */
	e->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle, e,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, e,
				  MHD_OPTION_SOCK_ADDR,
				  (const struct sockaddr *)&ss,
				  MHD_OPTION_CONNECTION_LIMIT, conns,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				  conns > 4 ? conns / 2 : conns,
				  MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				  (size_t)CONNECTION_MEMORY,
				  MHD_OPTION_END);
	if (!e->mhd) {
		fprintf(stderr, "memqos: exporter: cannot listen on %s\n",
			cfg->listen);
		pthread_mutex_destroy(&e->lock);
		free(e);
		return NULL;
	}
	__atomic_store_n(&e->serving, true, __ATOMIC_RELAXED);
	return e;
}

void exporter_stop(struct exporter *e)
{
	if (!e)
		return;
	/* joins the server's thread: nothing touches e after this */
	MHD_stop_daemon(e->mhd);
	snapshot_put(e, e->snap);
	libdeflate_free_compressor(e->gz);
	pthread_mutex_destroy(&e->lock);
	mq_prom_seen_free(&e->seen);
	mq_prom_labels_free(&e->labels);
	mq_cg_list_free(&e->list);
	mq_nl_close(e->nl);
	free(e);
}
