// SPDX-License-Identifier: GPL-2.0
/*
 * Host microbenchmark of the dump's output path: N synthetic cgroups
 * (every field set, busy histograms, Kubernetes-like paths) printed as
 * `memqos dump --json` and `--prometheus` print them, to stdout.
 *
 *	bench_print [-n CGROUPS] [-r REPS] [-f json|pretty|prom|text|exporter]
 *
 * exporter: what `memqos exporter` writes of them with the default
 * collectors; from the second pass on, no cgroup stalled since the last.
 *
 * The records are the same on every run (fixed seed), so the output's
 * checksum shows whether a change to the print path changed a byte.
 * The CPU time per pass (best of REPS) goes to stderr.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgrec.h"
#include "hist.h"
#include "membuf.h"
#include "prom.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: deterministic and good enough for synthetic counters */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* A value of a typical magnitude for the field's kind. */
static uint64_t field_value(const struct mq_field *f)
{
	switch (f->kind) {
	case FIELD_BYTES:
		return (rnd() % (8ULL << 30)) & ~4095ULL;
	case FIELD_LIMIT:
		/* mostly unlimited, as in a real node */
		if (rnd() % 4)
			return MEMQOS_UNLIMITED;
		return (rnd() % (16ULL << 30)) & ~4095ULL;
	case FIELD_USEC:
		return rnd() % 100000000000ULL;
	case FIELD_COUNT:
		/* small and large counters alike */
		return rnd() % 2 ? rnd() % 1000 : rnd() % 100000000;
	case FIELD_GAUGE:
		break;
	}
	return rnd() % 1000;
}

static void fill_hist(struct mq_cg_hist *h)
{
	uint64_t *bucket = mq_cg_hist_buckets_mut(h);
	unsigned int b;

	if (!bucket)
		exit(1);
	h->present = true;
	for (b = 0; b < MEMQOS_HIST_BUCKETS; b++) {
		/* most stalls between 4 us and 16 ms, some empty buckets */
		if (b < 3 || b > 14)
			bucket[b] = rnd() % 3 ? 0 : rnd() % 20;
		else
			bucket[b] = rnd() % 50000;
		h->count += bucket[b];
		h->sum_us += bucket[b] * mq_hist_bucket_lower_us(b);
		if (bucket[b])
			h->max_us = mq_hist_bucket_lower_us(b) +
				    rnd() % (mq_hist_bucket_lower_us(b) + 1);
	}
}

static char *make_path(size_t i)
{
	static const char *const qos[] = { "besteffort", "burstable" };
	uint64_t x[9];
	char buf[512];
	const char *q = qos[i % 2];
	size_t j;

	/* in a fixed order: that of arguments is unspecified */
	for (j = 0; j < 9; j++)
		x[j] = rnd();

	/* a few odd names that take the escaping paths */
	if (i % 1000 == 7)
		snprintf(buf, sizeof(buf), "/system.slice/caf\xc3\xa9-%zu.service",
			 i);
	else if (i % 1000 == 13)
		snprintf(buf, sizeof(buf), "/user.slice/we\"ird\\%zu\n.scope",
			 i);
	else if (i % 1000 == 21)
		snprintf(buf, sizeof(buf), "/bad\x01utf8\xff\xc3-%zu.scope", i);
	else
		snprintf(buf, sizeof(buf),
			 "/kubepods.slice/kubepods-%s.slice/kubepods-%s-pod%08" PRIx64 "_%04" PRIx64 "_%04" PRIx64 "_%04" PRIx64 "_%012" PRIx64 ".slice/cri-containerd-%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 ".scope",
			 q, q, x[0] & 0xffffffff, x[1] & 0xffff, x[2] & 0xffff,
			 x[3] & 0xffff, x[4] & 0xffffffffffff, x[5], x[6], x[7],
			 x[8]);
	return strdup(buf);
}

static void fill(struct mq_cg_list *list, size_t n)
{
	const struct mq_field *f;
	struct mq_cg_rec *r;
	unsigned int k;
	size_t i, j;

	list->recs = calloc(n, sizeof(*list->recs));
	if (!list->recs)
		exit(1);
	list->n = list->cap = n;
	for (i = 0; i < n; i++) {
		r = &list->recs[i];
		r->id = 1000 + i * 7 + rnd() % 7;
		r->path = make_path(i);
		r->tracked = rnd() % 8;
		for (j = 0; j < mq_cgroup_fields.n; j++) {
			f = &mq_cgroup_fields.fields[j];
			mq_field_mark(&r->v, f->attr);
			r->v.val[f->attr] = field_value(f);
		}
		for (k = 0; k < CG_STALL_KINDS; k++)
			fill_hist(&r->hist[k]);
	}
}

/* The cgroups part of cmd_dump.c's print_json(). */
static void print_dump(const struct mq_cg_list *list, bool pretty)
{
	struct mq_print_ctx pc;
	size_t i;

	mq_print_init(&pc, stdout, true, pretty);
	mq_print_obj_begin(&pc, NULL);
	mq_print_arr_begin(&pc, "cgroups");
	for (i = 0; i < list->n; i++)
		mq_cg_rec_print(&pc, &list->recs[i], true);
	mq_print_arr_end(&pc);
	mq_print_obj_end(&pc);
	mq_print_finish(&pc);
}

/* What `memqos stat` prints for each, in human units. */
static void print_stat(const struct mq_cg_list *list)
{
	struct mq_print_ctx pc;
	size_t i;

	mq_print_init(&pc, stdout, false, false);
	for (i = 0; i < list->n; i++)
		mq_cg_rec_print(&pc, &list->recs[i], false);
	mq_print_finish(&pc);
}

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * One scrape's text as the exporter writes it, into a buffer sized from
 * the last (membuf.h); only the @last pass goes to stdout.
 */
static void exporter_pass(const struct mq_cg_list *list,
			  struct mq_prom_opts *opts, struct mq_membuf *body,
			  bool last)
{
	size_t hint = body->len + body->len / 8 + 4096;
	FILE *fp;

	free(body->buf);
	fp = mq_membuf_open(body, hint);
	if (!fp || mq_prom_write_exporter(fp, list, opts) ||
	    mq_membuf_close(body, fp))
		exit(1);
	mq_prom_seen_update((struct mq_prom_seen *)opts->seen, list);
	if (last)
		fwrite(body->buf, 1, body->len, stdout);
}

int main(int argc, char **argv)
{
	const char *format = "json";
	unsigned int reps = 1, rep;
	struct mq_cg_list list = { };
	struct mq_prom_seen seen = { };
	struct mq_membuf body = { };
	struct mq_prom_labels labels = { };
	struct mq_prom_opts opts = {
		.collect = mq_prom_default_collect(), .page_size = 4096,
		.seen = &seen, .labels = &labels,
	};
	double best = 0, t;
	size_t n = 10000;
	int opt;

	while ((opt = getopt(argc, argv, "n:r:f:")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			reps = strtoul(optarg, NULL, 10);
			break;
		case 'f':
			format = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: bench_print [-n CGROUPS] [-r REPS] [-f json|pretty|prom|text|exporter]\n");
			return 2;
		}
	}
	if (strcmp(format, "json") && strcmp(format, "pretty") &&
	    strcmp(format, "prom") && strcmp(format, "text") &&
	    strcmp(format, "exporter")) {
		fprintf(stderr, "bench_print: unknown format '%s'\n", format);
		return 2;
	}
	fill(&list, n);

	for (rep = 0; rep < reps; rep++) {
		t = cpu_seconds();
		if (!strcmp(format, "prom")) {
			mq_prom_write_cgroups(stdout, &list);
			fflush(stdout);
		} else if (!strcmp(format, "exporter")) {
			exporter_pass(&list, &opts, &body, rep + 1 == reps);
		} else if (!strcmp(format, "text")) {
			print_stat(&list);
		} else {
			print_dump(&list, !strcmp(format, "pretty"));
		}
		t = cpu_seconds() - t;
		if (!rep || t < best)
			best = t;
	}
	fprintf(stderr, "bench_print: %s, %zu cgroups: %.4f s CPU (best of %u)\n",
		format, n, best, reps);
	mq_prom_seen_free(&seen);
	mq_prom_labels_free(&labels);
	free(body.buf);
	mq_cg_list_free(&list);
	return 0;
}
