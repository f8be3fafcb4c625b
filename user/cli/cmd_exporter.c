// SPDX-License-Identifier: GPL-2.0
/*
 * memqos exporter: serve the Prometheus metrics over HTTP.
 *
 * HTTP is libmicrohttpd's: it parses requests, bounds their headers
 * (CONNECTION_MEMORY_LIMIT, 431 or 413 past it), drops idle connections
 * and holds the number of connections. Its one internal thread runs every
 * callback, so the netlink socket and the last scrape's counts are only
 * ever touched from there: scrapes queue rather than race. The main
 * thread waits for a signal.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <zlib.h>

#include "cgquery.h"
#include "cmd.h"
#include "httpneg.h"
#include "module.h"
#include "prom.h"
#include "signal_fd.h"

/*
 * Not yet checked against the default port allocations on the Prometheus
 * wiki: to be claimed there before a release.
 */
#define DEFAULT_LISTEN		"127.0.0.1:9469"
#define DEFAULT_CONNECTIONS	16
#define DEFAULT_TIMEOUT		10
/* request line and headers: past this libmicrohttpd answers 431 */
#define CONNECTION_MEMORY	(32 << 10)

#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

struct exporter {
	struct mq_nl *nl;		/* NULL until a scrape opens it */
	struct mq_prom_seen seen;	/* the last scrape's stall counts */
	struct mq_prom_opts opts;
	unsigned int max_depth;
	const char *glob;
	bool verbose;
	bool serving;		/* started: client errors are not news */
};

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
	bool has_ver, has_st, gone;
	int err;

	err = mq_cgq_dump(&e->nl, &list);
	if (!err)
		err = mq_cg_list_select(&list, &view, e->max_depth, e->glob);
	if (err) {
		gone = err == -ENOENT && (!e->nl || !e->nl->family.id);
		if (e->verbose)
			fprintf(stderr, "memqos: exporter: scrape: %s\n",
				gone ? "module not loaded" : strerror(-err));
		mq_cg_list_free(&list);
		mq_nl_close(e->nl);
		e->nl = NULL;
		return false;
	}
	has_ver = !mq_mod_version_get(&e->nl, &ver);
	has_st = !mq_mod_stats_get(&e->nl, &st);
	err = mq_prom_write_exporter(fp, &view, &e->opts);
	if (!err) {
		mq_prom_write_module(fp, has_ver ? &ver : NULL,
				     has_st ? &st : NULL, NULL);
		/* on ENOMEM the next scrape shows every stall again */
		mq_prom_seen_update(&e->seen, &list);
	}
	mq_mod_stats_free(&st);
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
	struct exporter *e = cls;

	(void)version;
	(void)upload_data;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "GET or HEAD only\n");
	/* a GET with a body: answered at once, the body not waited for */
	*upload_data_size = 0;
	if (!strcmp(url, "/metrics"))
		return serve_metrics(e, c);
	if (!strcmp(url, "/healthz"))
		return reply_text(c, MHD_HTTP_OK, "ok\n");
	if (!strcmp(url, "/"))
		return reply_text(c, MHD_HTTP_OK, index_page);
	return reply_text(c, MHD_HTTP_NOT_FOUND, "not found: see /\n");
}

/*
 * "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT" (every address: an explicit
 * choice) into @ss. 0, or -EINVAL with nothing said.
 */
static int parse_listen(const char *arg, struct sockaddr_storage *ss)
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

static int parse_uint(const char *arg, unsigned int min, unsigned int max,
		      unsigned int *v)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || *arg == '-' || n < min || n > max)
		return -EINVAL;
	*v = n;
	return 0;
}

/*
 * libmicrohttpd's messages: why it could not start, always; what a client
 * got wrong, only with -v, or anyone who can connect fills the journal.
 */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	const struct exporter *e = cls;

	if (__atomic_load_n(&e->serving, __ATOMIC_RELAXED) && !e->verbose)
		return;
	fputs("memqos: exporter: ", stderr);
	vfprintf(stderr, fmt, ap);
}

static int serve(struct memqos_ctx *ctx, struct exporter *e,
		 const char *listen, const struct sockaddr_storage *ss,
		 unsigned int conns, unsigned int timeout)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	struct signalfd_siginfo si;
	struct MHD_Daemon *d;
	int sfd;

	if (ss->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* before the server's thread starts, so that it inherits the mask */
	sfd = mq_signal_fd(0);
	if (sfd < 0) {
		cmd_error(ctx, "signalfd: %s", strerror(-sfd));
		return MEMQOS_EXIT_ERROR;
	}
	/* the logger first, or libmicrohttpd logs the options' errors itself */
	d = MHD_start_daemon(flags, 0, NULL, NULL, handle, e,
			     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, e,
			     MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)ss,
			     MHD_OPTION_CONNECTION_LIMIT, conns,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT,
			     conns > 4 ? conns / 2 : conns,
			     MHD_OPTION_CONNECTION_TIMEOUT, timeout,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT,
			     (size_t)CONNECTION_MEMORY,
			     MHD_OPTION_END);
	if (!d) {
		cmd_error(ctx, "cannot listen on %s", listen);
		close(sfd);
		return MEMQOS_EXIT_ERROR;
	}
	__atomic_store_n(&e->serving, true, __ATOMIC_RELAXED);
	while (read(sfd, &si, sizeof(si)) < 0 && errno == EINTR)
		;
	MHD_stop_daemon(d);
	close(sfd);
	return MEMQOS_EXIT_OK;
}

static int exporter_run(struct memqos_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen",		required_argument, NULL, 'l' },
		{ "collect",		required_argument, NULL, 'C' },
		{ "no-collect",		required_argument, NULL, 'N' },
		{ "max-depth",		required_argument, NULL, 'd' },
		{ "cgroups",		required_argument, NULL, 'g' },
		{ "max-connections",	required_argument, NULL, 'm' },
		{ "timeout",		required_argument, NULL, 't' },
		{ "verbose",		no_argument,	   NULL, 'v' },
		CMD_COMMON_LONGOPTS,
		{ }
	};
	struct exporter e = {
		.opts.collect = mq_prom_default_collect(),
		.opts.page_size = (uint64_t)sysconf(_SC_PAGESIZE),
		.opts.seen = &e.seen,
		.max_depth = UINT_MAX,
	};
	unsigned int conns = DEFAULT_CONNECTIONS, timeout = DEFAULT_TIMEOUT;
	const char *listen = DEFAULT_LISTEN;
	struct sockaddr_storage ss = { };
	int opt, ret, c;

	while ((opt = getopt_long(argc, argv, ":l:v" CMD_COMMON_SHORTOPTS,
				  opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			listen = optarg;
			continue;
		case 'C':
		case 'N':
			c = mq_prom_collector_by_name(optarg);
			if (c < 0)
				return cmd_usage_error(ctx,
					"unknown collector '%s'", optarg);
			if (opt == 'C')
				e.opts.collect |= 1U << c;
			else
				e.opts.collect &= ~(1U << c);
			continue;
		case 'd':
			if (parse_uint(optarg, 0, UINT_MAX, &e.max_depth))
				return cmd_usage_error(ctx,
					"--max-depth wants a number");
			continue;
		case 'g':
			e.glob = optarg;
			continue;
		case 'm':
			if (parse_uint(optarg, 1, 1024, &conns))
				return cmd_usage_error(ctx,
					"--max-connections wants 1 to 1024");
			continue;
		case 't':
			if (parse_uint(optarg, 1, 3600, &timeout))
				return cmd_usage_error(ctx,
					"--timeout wants 1 to 3600 seconds");
			continue;
		case 'v':
			e.verbose = true;
			continue;
		}
		ret = cmd_common_opt(ctx, opt, argv);
		if (ret != CMD_CONTINUE)
			return ret;
	}
	ret = cmd_no_operands(ctx, argc, argv);
	if (ret != CMD_CONTINUE)
		return ret;
	if (parse_listen(listen, &ss))
		return cmd_usage_error(ctx, "--listen wants ADDR:PORT, "
				       "[ADDR6]:PORT or :PORT, not '%s'",
				       listen);
	ret = serve(ctx, &e, listen, &ss, conns, timeout);
	mq_prom_seen_free(&e.seen);
	mq_nl_close(e.nl);
	return ret;
}

const struct cmd cmd_exporter = {
	.name		= "exporter",
	.run		= exporter_run,
	.summary	= "serve the metrics to Prometheus over HTTP",
	.synopsis	= "[--listen ADDR:PORT] [--collect NAME]... "
			  "[--no-collect NAME]... [--max-depth N] "
			  "[--cgroups GLOB]",
	.description	=
		"Serve GET /metrics in the Prometheus text format 0.0.4,\n"
		"gzip'ed when the scraper accepts it, /healthz and a short\n"
		"help page at /. Each scrape is one netlink dump of the\n"
		"cgroups; when the module is not loaded or does not answer,\n"
		"/metrics still answers, with memqos_up 0.\n"
		"\n"
		"Series are labelled cgroup=\"<path>\" and, where the path\n"
		"says, pod_uid, qos_class and container_id (Kubernetes pods,\n"
		"with the systemd or cgroupfs driver), container_id (podman,\n"
		"CRI-O, docker and containerd scopes) or unit (systemd\n"
		"units). The cgroup ID is a label of memqos_cgroup_info\n"
		"only. Sizes are bytes, times seconds, page counts are\n"
		"given in bytes. The default collectors give each cgroup at\n"
		"most 25 series, and histograms of stall times (log4\n"
		"buckets, 4 us to 16.8 s) only to the cgroups that stalled\n"
		"since the previous scrape. Collectors:\n"
		"\n"
		"    memory      usage, swap, anon, file, min/low/high/max\n"
		"    events      memory.events high, max, oom, oom_kill\n"
		"    pressure    memory.pressure some and full\n"
		"    stalls      reclaim and memory.high stalls\n"
		"    refaults    workingset refaults, anon and file\n"
		"    reclaimed   bytes other cgroups reclaimed from it\n"
		"    info        memqos_cgroup_info\n"
		"    histograms  stall time histograms\n"
		"    detail      everything else (off by default)\n"
		"\n"
		"The module's build info and counters (memqos_module_*)\n"
		"follow, then memqos_up.\n",
	.options	=
		"-l, --listen ADDR:PORT\n"
		"       Listen there: 127.0.0.1:9469 by default, loopback\n"
		"       only; [::1]:9469 for IPv6, :9469 for every address.\n"
		"--collect NAME, --no-collect NAME\n"
		"       Turn a collector on or off; repeat for more.\n"
		"--max-depth N\n"
		"       Only cgroups at most N levels below the root.\n"
		"--cgroups GLOB\n"
		"       Only cgroups whose path matches GLOB (fnmatch(3): *\n"
		"       does not cross a /).\n"
		"--max-connections N\n"
		"       Serve at most N connections at once (16), half of\n"
		"       them from one address.\n"
		"--timeout SECONDS\n"
		"       Close a connection idle this long (10).\n"
		"-v, --verbose\n"
		"       Say on stderr why a scrape could not read the\n"
		"       module, and what each refused request got wrong.\n",
};
