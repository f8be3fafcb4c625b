// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/prom_daemon.c: the daemon's decisions as Prometheus families.
 */
#include <errno.h>
#include <string.h>

#include "prom_daemon.h"
#include "unit.h"

static size_t count(const char *text, const char *s)
{
	size_t n = 0;

	for (; (text = strstr(text, s)); text++)
		n++;
	return n;
}

#define POD "/kubepods.slice/kubepods-burstable.slice/" \
	"kubepods-burstable-pod0f2b1c3d_4e5f_6789_abcd_ef0123456789.slice"
#define POD_LABELS "cgroup=\"" POD "\",pod_uid=\"0f2b1c3d-4e5f-6789-" \
	"abcd-ef0123456789\",qos_class=\"Burstable\""

/* A protected pod, a squeezed batch job, an ancestor raised to cover. */
static const char *sample(struct mq_prom_daemon *d,
			  struct mq_prom_daemon_cg cg[3])
{
	memset(d, 0, sizeof(*d));
	memset(cg, 0, 3 * sizeof(*cg));
	cg[0] = (struct mq_prom_daemon_cg){
		.path = POD, .knobs = 1U << PROM_KNOB_LOW | 1U << PROM_KNOB_HIGH,
		.value = { 0, 300 << 20, UINT64_MAX }, .estimated = true,
		.working_set = 256 << 20, .refault_boost = 1 << 20,
		.headroom = 44 << 20,
	};
	cg[1] = (struct mq_prom_daemon_cg){
		.path = "/batch/job\"1", .knobs = 1U << PROM_KNOB_LOW |
		1U << PROM_KNOB_HIGH, .value = { 0, 0, 512 << 20 },
		.batch = true, .reclaim_steps = 3, .high_steps = 2,
		.releases = 1,
	};
	cg[2] = (struct mq_prom_daemon_cg){
		.path = "/services", .knobs = 1U << PROM_KNOB_MIN,
		.value = { 4096 },
	};
	d->cg = cg;
	d->n = 3;
	d->budget = 1000;
	d->demand = 800;
	d->granted = 600;
	d->scaled = 2;
	mq_prom_pass_observe(&d->passes, 900);
	mq_prom_pass_observe(&d->passes, 30000);
	mq_prom_pass_observe(&d->passes, 60000000);
	d->last_pass_unix_ms = 1700000000123ULL;
	d->writes[PROM_KNOB_LOW] = 5;
	d->write_failures[PROM_KNOB_HIGH][mq_prom_errno_slot(-EACCES)] = 2;
	d->write_failures[PROM_KNOB_MIN][mq_prom_errno_slot(-ENOTDIR)] = 1;
	mq_prom_write_daemon(unit_capture_begin(), d);
	return unit_capture_end();
}

static void protection(void)
{
	struct mq_prom_daemon_cg cg[3];
	struct mq_prom_daemon d;
	const char *out = sample(&d, cg);

	EXPECT_TRUE(unit_has_line(out, "# TYPE memqos_daemon_protection_bytes gauge"));
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_protection_bytes{" POD_LABELS
			     ",knob=\"low\"} 314572800"));
	/* memory.high "max" */
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_protection_bytes{" POD_LABELS
			     ",knob=\"high\"} +Inf"));
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_protection_bytes{cgroup="
			     "\"/batch/job\\\"1\",knob=\"high\"} 536870912"));
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_protection_bytes{cgroup="
			     "\"/services\",knob=\"min\"} 4096"));
	/* only the files it manages */
	EXPECT_INT_EQ(count(out, "memqos_daemon_protection_bytes{"), 5);
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_working_set_bytes{" POD_LABELS
			     "} 268435456"));
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_refault_boost_bytes{"
			     POD_LABELS "} 1048576"));
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_headroom_bytes{" POD_LABELS
			     "} 46137344"));
	/* estimates only for the protected tiers */
	EXPECT_INT_EQ(count(out, "memqos_daemon_working_set_bytes{"), 1);
	EXPECT_INT_EQ(count(out, "memqos_daemon_headroom_bytes{"), 1);
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_managed_cgroups 3"));
}

static void squeezes(void)
{
	struct mq_prom_daemon_cg cg[3];
	struct mq_prom_daemon d;
	const char *out = sample(&d, cg);

	EXPECT_TRUE(unit_has_line(out, "# TYPE memqos_daemon_squeezes_total counter"));
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_squeezes_total{cgroup="
			     "\"/batch/job\\\"1\",step=\"reclaim\"} 3"));
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_squeezes_total{cgroup="
			     "\"/batch/job\\\"1\",step=\"high\"} 2"));
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_releases_total{cgroup="
			     "\"/batch/job\\\"1\"} 1"));
	/* batch cgroups only */
	EXPECT_INT_EQ(count(out, "memqos_daemon_squeezes_total{"), 2);
	EXPECT_INT_EQ(count(out, "memqos_daemon_releases_total{"), 1);
}

static void budget_and_passes(void)
{
	struct mq_prom_daemon_cg cg[3];
	struct mq_prom_daemon d;
	const char *out = sample(&d, cg);

	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_budget_bytes 1000"));
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_budget_demand_bytes 800"));
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_budget_granted_bytes 600"));
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_budget_scale_ratio 0.75"));
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_budget_scaled_cgroups 2"));
	EXPECT_TRUE(unit_has_line(out,
		"# TYPE memqos_daemon_pass_duration_seconds histogram"));
	/* 900 us in the first bucket, 30 ms in the 50 ms one, 60 s past all */
	EXPECT_TRUE(unit_has_line(out,
		"memqos_daemon_pass_duration_seconds_bucket{le=\"0.001\"} 1"));
	EXPECT_TRUE(unit_has_line(out,
		"memqos_daemon_pass_duration_seconds_bucket{le=\"0.025\"} 1"));
	EXPECT_TRUE(unit_has_line(out,
		"memqos_daemon_pass_duration_seconds_bucket{le=\"0.05\"} 2"));
	EXPECT_TRUE(unit_has_line(out,
		"memqos_daemon_pass_duration_seconds_bucket{le=\"10\"} 2"));
	EXPECT_TRUE(unit_has_line(out,
		"memqos_daemon_pass_duration_seconds_bucket{le=\"+Inf\"} 3"));
	EXPECT_TRUE(unit_has_line(out,
		"memqos_daemon_pass_duration_seconds_sum 60.0309"));
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_pass_duration_seconds_count 3"));
	EXPECT_TRUE(unit_has_line(out,
		"memqos_daemon_last_pass_timestamp_seconds 1700000000.123"));
}

static void budget_fits(void)
{
	struct mq_prom_daemon d = { };
	const char *out;

	/* nothing asked: nothing scaled */
	mq_prom_write_daemon(unit_capture_begin(), &d);
	out = unit_capture_end();
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_budget_scale_ratio 1"));
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_managed_cgroups 0"));
	/* every family is there, per-cgroup ones with no sample */
	EXPECT_TRUE(unit_has_line(out, "# TYPE memqos_daemon_protection_bytes gauge"));
	EXPECT_TRUE(!strstr(out, "memqos_daemon_protection_bytes{"));
}

static void write_failures(void)
{
	struct mq_prom_daemon_cg cg[3];
	struct mq_prom_daemon d;
	const char *out = sample(&d, cg);

	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_writes_total{knob=\"low\"} 5"));
	EXPECT_TRUE(unit_has_line(out,
		"memqos_daemon_writes_total{knob=\"reclaim\"} 0"));
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_write_failures_total{"
			     "knob=\"high\",errno=\"EACCES\"} 2"));
	/* an errno of no name of its own */
	EXPECT_TRUE(unit_has_line(out, "memqos_daemon_write_failures_total{"
			     "knob=\"min\",errno=\"other\"} 1"));
	/* bounded: every knob and errno label, zeros included */
	EXPECT_INT_EQ(count(out, "memqos_daemon_write_failures_total{"),
		      PROM_KNOB_NR * PROM_ERRNO_NR);
}

static void errno_slots(void)
{
	EXPECT_STR_EQ(mq_prom_errno_name(mq_prom_errno_slot(-EINVAL)),
		      "EINVAL");
	EXPECT_STR_EQ(mq_prom_errno_name(mq_prom_errno_slot(-EROFS)), "EROFS");
	EXPECT_STR_EQ(mq_prom_errno_name(mq_prom_errno_slot(0)), "other");
	EXPECT_STR_EQ(mq_prom_errno_name(mq_prom_errno_slot(-EXDEV)), "other");
	EXPECT_STR_EQ(mq_prom_errno_name(PROM_ERRNO_NR + 3), "other");
}

static void every_family_described(void)
{
	struct mq_prom_daemon_cg cg[3];
	struct mq_prom_daemon d;
	const char *out = sample(&d, cg), *line, *end;
	char name[128], want[160];
	size_t len;

	for (line = out; (end = strchr(line, '\n')); line = end + 1) {
		if (*line == '#')
			continue;
		len = strcspn(line, "{ ");
		snprintf(name, sizeof(name), "%.*s", (int)len, line);
		if (strstr(name, "pass_duration_seconds_"))
			*strrchr(name, '_') = '\0';
		snprintf(want, sizeof(want), "# HELP %s ", name);
		EXPECT_TRUE(strstr(out, want));
		snprintf(want, sizeof(want), "# TYPE %s ", name);
		EXPECT_TRUE(strstr(out, want));
		/* counters end in _total, sizes are bytes */
		if (strstr(name, "_total"))
			EXPECT_TRUE(strstr(out, strcat(strcpy(want, name),
						       " counter")));
	}
}

static const struct unit_test tests[] = {
	UNIT_TEST(protection),
	UNIT_TEST(squeezes),
	UNIT_TEST(budget_and_passes),
	UNIT_TEST(budget_fits),
	UNIT_TEST(write_failures),
	UNIT_TEST(errno_slots),
	UNIT_TEST(every_family_described),
};
UNIT_SUITE(prom_daemon_suite, "prom_daemon", tests);
