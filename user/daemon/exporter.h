/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exporter's HTTP server: GET /metrics, /healthz and /, served by
 * libmicrohttpd from a thread of its own, with a netlink socket of its
 * own. `memqos exporter` runs it alone, `memqos daemon --listen` beside
 * its passes, so that a node runs one process. See cmd_exporter.c for
 * what it serves.
 */
#ifndef MEMQOS_EXPORTER_H
#define MEMQOS_EXPORTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "prom_daemon.h"

/*
 * Not yet checked against the default port allocations on the Prometheus
 * wiki: to be claimed there before a release.
 */
#define EXPORTER_DEFAULT_LISTEN	"127.0.0.1:9469"

struct exporter_cfg {
	const char *listen;		/* ADDR:PORT, [ADDR6]:PORT, :PORT */
	unsigned int collect;		/* 1 << PROM_C_* (prom.h) */
	unsigned int max_depth;		/* cgroups at most this deep */
	const char *glob;		/* and matching this, NULL: any */
	unsigned int max_conns;		/* at once; half per address */
	unsigned int timeout;		/* seconds idle before closing */
	bool verbose;			/* say why scrapes fail */
};

/* The defaults: loopback, the default collectors, 16 connections, 10 s. */
void exporter_cfg_init(struct exporter_cfg *cfg);

/*
 * @arg as "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT" (every address: an
 * explicit choice) into @ss. 0, or -EINVAL.
 */
int exporter_parse_listen(const char *arg, struct sockaddr_storage *ss);

struct exporter;

/*
 * Listen and serve from a new thread, which starts with the calling
 * thread's signal mask: block the signals first. NULL if it could not
 * (said on stderr). @cfg's strings must outlive the exporter.
 */
struct exporter *exporter_start(const struct exporter_cfg *cfg);

/* A cgroup's tier as the daemon classified it, for memqos_cgroup_info. */
struct exporter_tier {
	uint64_t id;
	char *tier;		/* owned, as the next two */
	char *source;		/* "rule GLOB", "kubernetes Burstable" */
};

/* What the daemon's pass tells the scrapes: tiers, decisions, the rest. */
struct exporter_view {
	struct exporter_tier *tiers;	/* any order */
	size_t n_tiers;
	struct mq_prom_daemon dec;	/* the memqos_daemon_* families */
	/* families the daemon wrote itself, served last; NULL: none */
	char *text;
};

/*
 * Serve @v from the next scrape on: @e owns what @v holds now (and frees
 * the previous view once no scrape uses it). From any thread, and never
 * waiting for a scrape: a scrape holds a view of its own while it writes.
 * Out of memory, @v is freed and the previous view kept.
 */
void exporter_publish(struct exporter *e, struct exporter_view *v);

/* Free what @v holds. */
void exporter_view_free(struct exporter_view *v);

/* Stop serving and free @e (NULL is fine). */
void exporter_stop(struct exporter *e);

#endif /* MEMQOS_EXPORTER_H */
