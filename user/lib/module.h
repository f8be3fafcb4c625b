/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module-wide state: version, stats with probe states, config. Queried
 * by their own commands and all together by dump.
 */
#ifndef MEMQOS_MODULE_H
#define MEMQOS_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nl.h"
#include "print.h"
#include "fields.h"

struct mq_mod_version {
	char module[64];
	uint32_t uapi;
	char kernel[65];	/* __NEW_UTS_LEN + 1 */
	/* cgroup attributes the running kernel cannot give (uapi 2 on) */
	uint16_t unavailable[FIELD_MAX_ATTRS];
	size_t n_unavailable;
};

struct mq_mod_probe {
	char name[64];
	bool bound;
	uint64_t hits;
};

struct mq_mod_stats {
	struct mq_field_vals v;	/* the mq_stats_fields attributes */
	struct mq_mod_probe *probes;
	size_t n_probes;
};

struct mq_mod_config {
	struct mq_field_vals v;	/* the mq_config_fields attributes */
};

/* Each opens *@nlp if need be; returns 0 or a negative errno. */
int mq_mod_version_get(struct mq_nl **nlp, struct mq_mod_version *ver);
int mq_mod_stats_get(struct mq_nl **nlp, struct mq_mod_stats *st);
int mq_mod_config_get(struct mq_nl **nlp, struct mq_mod_config *cfg);
void mq_mod_stats_free(struct mq_mod_stats *st);

/*
 * The members of the current JSON object (stats: every counter, then
 * "probes": [{name, bound, hits_total}]), or "label value" text lines.
 */
void mq_mod_stats_print(struct mq_print_ctx *pc, const struct mq_mod_stats *st,
			bool exact);
void mq_mod_config_print(struct mq_print_ctx *pc,
			 const struct mq_mod_config *cfg);

#endif /* MEMQOS_MODULE_H */
