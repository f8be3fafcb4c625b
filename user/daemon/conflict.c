// SPDX-License-Identifier: GPL-2.0
/*
 * Beside other writers: the decisions, see conflict.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conflict.h"

bool conflict_parse(const char *s, uint64_t *v)
{
	char *end;

	if (!strcmp(s, "max")) {
		*v = UINT64_MAX;
		return true;
	}
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && !*end;
}

enum conflict_verdict conflict_check(const struct state_ent *e,
				     const char *cur, uint64_t page)
{
	uint64_t now, last;

	if (!e)
		return CONFLICT_NONE;
	if (e->yielded)
		return CONFLICT_YIELDED;
	if (!*e->last)
		return CONFLICT_UNKNOWN;
	if (!conflict_parse(cur, &now) || !conflict_parse(e->last, &last))
		return CONFLICT_FOREIGN;
	if (now == last || (last != UINT64_MAX && page &&
			    now == last / page * page))
		return CONFLICT_NONE;
	return CONFLICT_FOREIGN;
}

bool conflict_kubelet_min(const struct state_ent *e, const char *cur,
			  uint64_t page)
{
	enum conflict_verdict verdict = conflict_check(e, cur, page);
	uint64_t v;

	if (!conflict_parse(cur, &v) || !v)
		return false;
	/* unknown: a daemon before version 2 of the state file wrote it */
	return !e || verdict == CONFLICT_FOREIGN ||
	       verdict == CONFLICT_YIELDED;
}
