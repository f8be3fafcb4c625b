/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CGROUP_GET for the commands: one cgroup named on the command line, or
 * all of them.
 */
#ifndef MEMQOS_CGQUERY_H
#define MEMQOS_CGQUERY_H

#include "cgrec.h"
#include "nl.h"

/*
 * The cgroup the CGROUP argument @arg names (see cgroup_arg.h) into @rec,
 * its levels fresh: its memory.stat (the root's for an id) is read first,
 * which flushes the kernel's statistics. The socket is opened into *@nlp
 * if need be (see mq_nl_ready()). 0 or a negative errno, *@bad_arg
 * set when that is because @arg names no cgroup at all (-EINVAL,
 * -ENAMETOOLONG), before any request; -ENOENT once the family is
 * resolved: no such cgroup, or one without the memory controller, with
 * the kernel's message in mq_nl_errmsg(). mq_cg_rec_free() @rec in any
 * case.
 */
int mq_cgq_get(struct mq_nl **nlp, const char *arg, struct mq_cg_rec *rec,
	       bool *bad_arg);

/*
 * Every cgroup visible to the caller, parents first, into @list (which
 * may hold a previous dump: its records are freed, its array reused),
 * after reading the root's memory.stat to flush the kernel's statistics.
 * A dump that a created or removed cgroup interrupts is retried. 0 or a
 * negative errno.
 */
int mq_cgq_dump(struct mq_nl **nlp, struct mq_cg_list *list);

/* A CGROUP_GET select bitmap: bit n of byte n / 8 for attribute type n. */
struct mq_cgq_select {
	uint8_t bits[(MEMQOS_A_CGROUP_MAX + 8) / 8];
};

static inline void mq_cgq_select_add(struct mq_cgq_select *sel,
				     uint16_t attr)
{
	if (attr <= MEMQOS_A_CGROUP_MAX)
		sel->bits[attr / 8] |= 1U << (attr % 8);
}

/*
 * mq_cgq_dump() of the attributes of @sel only (with id, path and
 * tracked), or of all where the module is older than the select
 * attribute (family version 5).
 */
int mq_cgq_dump_some(struct mq_nl **nlp, struct mq_cg_list *list,
		     const struct mq_cgq_select *sel);

#endif /* MEMQOS_CGQUERY_H */
