// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter's HTTP server, see exporter.h.
 *
 * HTTP is libmicrohttpd's: it parses requests, bounds their headers
 * (CONNECTION_MEMORY_LIMIT, 431 past it), drops idle connections and
 * holds the number of connections. Its one internal thread runs every
 * callback, so this socket and the last scrape's counts are only ever
 * touched from there: scrapes queue rather than race.
 */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>
#include <zlib.h>

#include "cgquery.h"
#include "exporter.h"
#include "httpneg.h"
#include "module.h"
#include "prom.h"

/* request line and headers: past this libmicrohttpd answers 431 */
#define CONNECTION_MEMORY	(32 << 10)

#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

struct exporter {
	struct exporter_cfg cfg;
	struct mq_nl *nl;		/* NULL until a scrape opens it */
	struct mq_prom_seen seen;	/* the last scrape's stall counts */
	struct mq_prom_opts opts;
	bool serving;		/* started: client errors are not news */
	struct MHD_Daemon *mhd;
	/* the daemon's tiers, by id: set from its thread, read from ours */
	pthread_mutex_t lock;
	struct exporter_tier *tiers;
	size_t n_tiers;
};

static int tier_cmp(const void *a, const void *b)
{
	const struct exporter_tier *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* mq_prom_opts.tier, called with e->lock held */
static const char *tier_of(void *ctx, const struct mq_cg_rec *r,
			   const char **source)
{
	const struct exporter *e = ctx;
	const struct exporter_tier key = { .id = r->id }, *t;

	if (!e->n_tiers)
		return NULL;
	t = bsearch(&key, e->tiers, e->n_tiers, sizeof(key), tier_cmp);
	if (!t)
		return NULL;
	*source = t->source;
	return t->tier;
}

void exporter_tiers_free(struct exporter_tier *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(t[i].tier);
		free(t[i].source);
	}
	free(t);
}

void exporter_set_tiers(struct exporter *e, struct exporter_tier *t,
			size_t n)
{
	struct exporter_tier *old;
	size_t n_old;

	qsort(t, n, sizeof(*t), tier_cmp);
	pthread_mutex_lock(&e->lock);
	old = e->tiers;
	n_old = e->n_tiers;
	e->tiers = t;
	e->n_tiers = n;
	pthread_mutex_unlock(&e->lock);
	exporter_tiers_free(old, n_old);
}

/*
 * One netlink dump of the cgroups, plus the module's version and counters
 * (one message each), written to @fp. false if the module could not be
 * read: the socket is dropped, so that a module loaded again is found.
 */
static bool scrape_module(struct exporter *e, FILE *fp)
{
	struct mq_cg_list list = { }, view = { };
	struct mq_mod_version ver;
	struct mq_mod_stats st = { };
	struct mq_oom_list kills = { };
	bool has_ver, has_st, has_kills, gone;
	int err;

	err = mq_cgq_dump(&e->nl, &list);
	if (!err)
		err = mq_cg_list_select(&list, &view, e->cfg.max_depth,
					 e->cfg.glob);
	if (err) {
		gone = err == -ENOENT && (!e->nl || !e->nl->family.id);
		if (e->cfg.verbose)
			fprintf(stderr, "memqos: exporter: scrape: %s\n",
				gone ? "module not loaded" : strerror(-err));
		mq_cg_list_free(&list);
		mq_nl_close(e->nl);
		e->nl = NULL;
		return false;
	}
	/* a module too old for them: no kills */
	has_kills = (e->opts.collect & 1U << PROM_C_OOM) &&
		    !mq_oom_list_get(&e->nl, &kills);
	has_ver = !mq_mod_version_get(&e->nl, &ver);
	has_st = !mq_mod_stats_get(&e->nl, &st);
	pthread_mutex_lock(&e->lock);
	err = mq_prom_write_exporter(fp, &view, &e->opts);
	pthread_mutex_unlock(&e->lock);
	if (!err && has_kills)
		err = mq_prom_write_oom_kills(fp, &kills);
	if (!err) {
		mq_prom_write_module(fp, has_ver ? &ver : NULL,
				     has_st ? &st : NULL, NULL);
		/* on ENOMEM the next scrape shows every stall again */
		mq_prom_seen_update(&e->seen, &list);
	}
	mq_mod_stats_free(&st);
	mq_oom_list_free(&kills);
	free(view.recs);
	mq_cg_list_free(&list);
	return !err;
}

/* The body of GET /metrics into *@buf (malloc'ed); its length, or -1. */
static ssize_t metrics_body(struct exporter *e, char **buf)
{
	size_t len;
	FILE *fp;
	bool up;

	fp = open_memstream(buf, &len);
	if (!fp)
		return -1;
	up = scrape_module(e, fp);
	mq_prom_write_up(fp, up);
	if (fclose(fp)) {
		free(*buf);
		return -1;
	}
	return len;
}

/* @in gzip'ed into a new buffer; its length, or -1 (@in left as it is). */
static ssize_t gzip_body(const char *in, size_t len, char **out)
{
	z_stream z = { };
	uLong bound;
	ssize_t n;

	/* 15 + 16: gzip's header and trailer, not zlib's */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	bound = deflateBound(&z, len);
	*out = malloc(bound);
	if (!*out) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = len;
	z.next_out = (Bytef *)*out;
	z.avail_out = bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(*out);
		return -1;
	}
	n = z.total_out;
	deflateEnd(&z);
	return n;
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
		n = gzip_body(body, len, &gz);
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
	e->opts.page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	e->opts.seen = &e->seen;
	e->opts.tier = tier_of;
	e->opts.tier_ctx = e;
	pthread_mutex_init(&e->lock, NULL);
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
	exporter_tiers_free(e->tiers, e->n_tiers);
	pthread_mutex_destroy(&e->lock);
	mq_prom_seen_free(&e->seen);
	mq_nl_close(e->nl);
	free(e);
}
