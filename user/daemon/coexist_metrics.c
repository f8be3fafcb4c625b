// SPDX-License-Identifier: GPL-2.0
/*
 * memqos daemon: what it yielded to other writers and what it advises in
 * observe-only subtrees, as families for the exporter of --listen:
 *
 *   memqos_daemon_conflicts_total{file}	counter, since start
 *   memqos_daemon_yielded_files{file}		gauge, in the state file
 *   memqos_daemon_advised_protection_bytes{cgroup,file}
 *						gauge, observe-only cgroups
 *
 * file is memory.min, memory.low or memory.high: at most three series
 * each but the advice, one per protected cgroup observed and file.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon_priv.h"
#include "prom.h"

static void write_per_file(FILE *fp, const char *name, const char *type,
			   const char *help, const uint64_t *v)
{
	enum cg_file f;

	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	for (f = 0; f < NR_FILES; f++)
		fprintf(fp, "%s{file=\"%s\"} %" PRIu64 "\n", name,
			file_names[f], v[f]);
}

static void write_advice(FILE *fp, const struct daemon *d)
{
	static const char name[] = "memqos_daemon_advised_protection_bytes";
	enum cg_file f;
	size_t i;

	fprintf(fp, "# HELP %s What the daemon would set in an observe-only subtree, which it does not write.\n# TYPE %s gauge\n",
		name, name);
	for (i = 1; i < d->n; i++) {
		const struct dcg *c = &d->cg[i];

		for (f = 0; f < NR_FILES; f++) {
			if (!c->advised[f])
				continue;
			fprintf(fp, "%s{cgroup=\"", name);
			mq_prom_write_label_value(fp, c->rel);
			fprintf(fp, "\",file=\"%s\"} %" PRIu64 "\n",
				file_names[f], c->want[f]);
		}
	}
}

/* The families above after a pass, malloc'ed; NULL out of memory. */
char *daemon_coexist_metrics(const struct daemon *d)
{
	uint64_t yielded[NR_FILES] = { };
	char *text = NULL;
	size_t len = 0, i;
	FILE *fp;

	for (i = 0; i < d->st.n; i++) {
		enum cg_file f = daemon_file_index(d->st.e[i].file);

		if (d->st.e[i].yielded && f < NR_FILES)
			yielded[f]++;
	}
	fp = open_memstream(&text, &len);
	if (!fp)
		return NULL;
	write_per_file(fp, "memqos_daemon_conflicts_total", "counter",
		       "Files another writer changed since the daemon last wrote them, which it yielded.",
		       d->conflicts);
	write_per_file(fp, "memqos_daemon_yielded_files", "gauge",
		       "Files yielded to another writer: the daemon neither writes nor restores them.",
		       yielded);
	write_advice(fp, d);
	if (fclose(fp)) {
		free(text);
		return NULL;
	}
	return text;
}
