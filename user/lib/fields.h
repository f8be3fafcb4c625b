/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The numeric attributes of the cgroup, stats and config sets, described
 * once: JSON key, Prometheus metric, kind, human label. stat, dump, top,
 * stats and config all print through these tables.
 *
 * Naming rule, checked by the unit tests over every table:
 *   kind          JSON key    Prometheus metric                  TYPE
 *   FIELD_BYTES   *_bytes     memqos_<key>                       gauge
 *   FIELD_LIMIT   *_bytes     memqos_<key>, +Inf if unlimited    gauge
 *   FIELD_COUNT   *_total     memqos_<key>                       counter
 *   FIELD_USEC    *_us        memqos_<key less _us>_seconds_total counter
 *   FIELD_GAUGE   any other   memqos_<key>                       gauge
 * JSON values are exact integers (bytes, counts, microseconds); an
 * unlimited limit (MEMQOS_UNLIMITED) is null in JSON and "max" in text.
 */
#ifndef MEMQOS_FIELDS_H
#define MEMQOS_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#include "print.h"

enum mq_field_kind {
	FIELD_BYTES,	/* a size now */
	FIELD_LIMIT,	/* a size limit, MEMQOS_UNLIMITED for none */
	FIELD_COUNT,	/* events (or pages) since the record began */
	FIELD_USEC,	/* time since the record began, microseconds */
	FIELD_GAUGE,	/* any other number now */
};

struct mq_field {
	uint16_t attr;		/* in the set's attribute enum */
	enum mq_field_kind kind;
	const char *key;	/* JSON member name */
	const char *metric;	/* Prometheus metric name */
	const char *label;	/* text label */
	const char *help;	/* Prometheus HELP text */
};

struct mq_field_set {
	const struct mq_field *fields;
	size_t n;
};

extern const struct mq_field_set mq_cgroup_fields;
extern const struct mq_field_set mq_stats_fields;
extern const struct mq_field_set mq_config_fields;

/* Attribute numbers of every set stay below this (a bit each). */
#define FIELD_MAX_ATTRS	96

/*
 * Values of one message's numeric attributes, by attribute number. An
 * attribute not received is not there: the module leaves out what the
 * running kernel cannot give, and it is printed nowhere.
 */
struct mq_field_vals {
	uint64_t has[(FIELD_MAX_ATTRS + 63) / 64];	/* bit per attribute */
	uint64_t val[FIELD_MAX_ATTRS];
};

static inline bool mq_field_has(const struct mq_field_vals *v, uint16_t attr)
{
	return attr < FIELD_MAX_ATTRS && (v->has[attr / 64] >> (attr % 64) & 1);
}

/* Marks @attr (below FIELD_MAX_ATTRS) as received. */
static inline void mq_field_mark(struct mq_field_vals *v, uint16_t attr)
{
	v->has[attr / 64] |= 1ULL << (attr % 64);
}

/* Whether any attribute was received. */
static inline bool mq_field_any(const struct mq_field_vals *v)
{
	size_t i;

	for (i = 0; i < sizeof(v->has) / sizeof(v->has[0]); i++)
		if (v->has[i])
			return true;
	return false;
}

/*
 * Keep @attr in @v: an unsigned integer of 1, 2, 4 or 8 bytes. Another
 * length is -EBADMSG if @set describes @attr, else skipped. Attributes
 * @set does not describe may be kept; only those it does are printed.
 */
int mq_field_vals_put(struct mq_field_vals *v, const struct mq_field_set *set,
		      const struct nlattr *attr);

/* The entry of @set for attribute @attr, NULL if none. */
const struct mq_field *mq_field_by_attr(const struct mq_field_set *set,
					uint16_t attr);

/* The entry of @set for JSON key @key, NULL if none. */
const struct mq_field *mq_field_by_key(const struct mq_field_set *set,
				       const char *key);

/*
 * @value as text: human units (bytes, us) unless @exact, "max" for an
 * unlimited limit. Returns @buf.
 */
const char *mq_field_format(const struct mq_field *f, uint64_t value,
			    bool exact, char *buf, size_t len);

/*
 * One field through the print path: JSON "key": value (null for
 * unlimited), text @fmt with the mq_field_format() string.
 */
void mq_field_print(struct mq_print_ctx *pc, const struct mq_field *f,
		    uint64_t value, bool exact, const char *fmt);

/*
 * Every field of @set present in @v: JSON members, text lines
 * "<indent><label padded to @width> <value>".
 */
void mq_field_print_all(struct mq_print_ctx *pc, const struct mq_field_set *set,
			const struct mq_field_vals *v, bool exact,
			const char *indent, int width);

#endif /* MEMQOS_FIELDS_H */
