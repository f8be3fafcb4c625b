/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CGROUP_GET for the commands: one cgroup named on the command line, or
 * all of them.
 */
#ifndef MEMQOS_CGQUERY_H
#define MEMQOS_CGQUERY_H

#include "cgrec.h"
#include "cmd.h"

/*
 * The cgroup the CGROUP argument @arg names (see cgroup_arg.h) into @rec,
 * its levels fresh: its memory.stat (the root's for an id) is read first,
 * which flushes the kernel's statistics. Reports its own errors; returns an exit status: 0, USAGE for a
 * malformed argument, NOTFOUND ("memqos: no such cgroup: X") or ERROR.
 * cg_rec_free() @rec in any case.
 */
int cgq_get(struct memqos_ctx *ctx, const char *arg, struct cg_rec *rec);

/*
 * Every cgroup visible to the caller, parents first, into @list (which
 * may hold a previous dump: it is freed first), after reading the root's
 * memory.stat to flush the kernel's statistics. A dump that a created or
 * removed cgroup interrupts is retried. 0 or a negative errno for
 * cmd_nl_error().
 */
int cgq_dump(struct memqos_ctx *ctx, struct cg_list *list);

#endif /* MEMQOS_CGQUERY_H */
