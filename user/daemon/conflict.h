/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Beside other writers: whether a cgroup file the daemon manages was
 * changed by someone else (the kubelet's Memory QoS, an in-place resize,
 * an admin) since the daemon last wrote it. Such a file is yielded: the
 * daemon never writes it again, nor restores its original over the other
 * writer's value.
 *
 * Pure: the caller reads the file. Unit tested.
 */
#ifndef MEMQOS_CONFLICT_H
#define MEMQOS_CONFLICT_H

#include <stdbool.h>
#include <stdint.h>

#include "state.h"

enum conflict_verdict {
	CONFLICT_NONE,		/* no entry, or it holds what we wrote */
	CONFLICT_UNKNOWN,	/* we never recorded a write: adopt it */
	CONFLICT_FOREIGN,	/* someone else wrote it: yield now */
	CONFLICT_YIELDED,	/* yielded before: leave it alone */
};

/*
 * A memory.min, low or high value as read ("max" or bytes) into @v;
 * false if it is neither.
 */
bool conflict_parse(const char *s, uint64_t *v);

/*
 * Whether @cur, read from the file now, is what the daemon last wrote
 * per @e (NULL: never written). The kernel keeps these limits in pages,
 * rounded down: a write of 1000000 reads back 999424 with 4 KiB pages.
 */
enum conflict_verdict conflict_check(const struct state_ent *e,
				     const char *cur, uint64_t page);

/*
 * Whether a pod's memory.min of @cur bytes, of which @e is the daemon's
 * record (NULL: none), was set by the kubelet's Memory QoS (KEP-2570:
 * memory.min = the pod's memory requests): nonzero and not the daemon's.
 */
bool conflict_kubelet_min(const struct state_ent *e, const char *cur,
			  uint64_t page);

#endif /* MEMQOS_CONFLICT_H */
