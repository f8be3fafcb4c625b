// SPDX-License-Identifier: GPL-2.0
/*
 * memqos daemon: beside other writers. A file someone else changed since
 * the daemon last wrote it is yielded (conflict.h): said once with both
 * values, counted for the exporter, never written again and never
 * restored over the other writer's value. It stays yielded even if it
 * later reads the daemon's value again: taking it back could start a
 * write-back loop with a writer that sets it on its own schedule. It is
 * forgotten with its cgroup (a new cgroup at the path is another).
 */
#include <string.h>
#include <syslog.h>

#include "conflict.h"
#include "daemon_priv.h"

enum cg_file daemon_file_index(const char *name)
{
	enum cg_file f;

	for (f = 0; f < NR_FILES; f++)
		if (!strcmp(file_names[f], name))
			break;
	return f;
}

void daemon_yield(struct daemon *d, struct state_ent *e, const char *cur,
		  const char *when)
{
	enum cg_file f = daemon_file_index(e->file);

	dlog(d, LOG_WARNING,
	     "%s %s: conflict: %s set by another writer%s, memqos wrote %s (original %s); yielded: memqos no longer writes it nor restores it",
	     e->path, e->file, cur, when, *e->last ? e->last : "?", e->value);
	e->yielded = true;
	d->state_dirty = true;
	if (f < NR_FILES)
		d->conflicts[f]++;
}

/*
 * Before the cover of ancestors and the writes: the plan leaves yielded
 * files alone, and their entries, marked, are not "no longer managed".
 */
void daemon_hold_yielded(struct daemon *d)
{
	size_t i, j;

	for (i = 0; i < d->st.n; i++) {
		struct state_ent *e = &d->st.e[i];
		enum cg_file f;

		if (!e->yielded)
			continue;
		f = daemon_file_index(e->file);
		for (j = 1; j < d->n; j++) {
			struct dcg *c = &d->cg[j];

			if (c->id != e->id || strcmp(c->rel, e->path))
				continue;
			e->mark = d->pass_no;
			if (f < NR_FILES)
				c->manage[f] = false;
			break;
		}
	}
}
