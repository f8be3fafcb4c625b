// SPDX-License-Identifier: GPL-2.0
/*
 * The pressure monitor: every event_interval_ms it turns the stall totals of
 * each cgroup into a stall rate (stall time per wall time, in permille; it
 * exceeds 1000 when several tasks stall at once) and the node-wide count of
 * reclaim stalls into a rate per second, and raises an event when either
 * crosses its threshold. A cgroup stops being pressured only below
 * threshold - hysteresis, a storm only below half its rate, so neither
 * flaps around the line. The work is deferrable: an idle node is not woken.
 * It also ages the reclaim attribution pairs (attrib.c).
 *
 * The walk of the record table is not a snapshot: when the table is
 * resized under it, it starts over in the new table and visits records a
 * second time (and a bounded walk may miss some). So each record keeps
 * when it was last evaluated: a second visit in one pass is skipped, not
 * read as a whole interval without stalls (a false leave, and an enter
 * again at the next pass), and a record a pass missed gets its rate over
 * the time since its own last evaluation.
 */
#include <linux/math64.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <linux/memqos.h>

#include "attrib.h"
#include "cgtable.h"
#include "config.h"
#include "events.h"
#include "hist.h"
#include "pressure.h"
#include "stats.h"

static struct delayed_work mq_pressure_work;
static bool mq_pressure_running;
static u64 mq_pressure_last_ns;
static u64 mq_storm_last_stalls;
static bool mq_storm;

struct mq_pressure_pass {
	u64 now_ns;		/* when this pass began: its stamp */
	u64 elapsed_us;		/* since the previous pass */
	u32 threshold, hysteresis;
};

static u64 mq_cg_stall_us(const struct mq_cgroup *cg)
{
	u64 sum = 0;
	int k;

	for (k = 0; k < MQ_NR_STALL_KINDS; k++)
		sum += atomic64_read(&cg->stall[k].sum_us);
	return sum;
}

static void mq_pressure_one(struct mq_cgroup *cg, void *arg)
{
	const struct mq_pressure_pass *pass = arg;
	struct mq_event ev = { .cmd = MEMQOS_CMD_PRESSURE_NTF, .cgid = cg->id };
	u64 total, delta, elapsed_us;
	u32 permille;

	if (cg->monitor_ns == pass->now_ns)
		return;		/* seen in this pass already */
	/* A new record's stalls count over this pass's interval. */
	elapsed_us = cg->monitor_ns ?
		     max_t(u64, (pass->now_ns - cg->monitor_ns) / NSEC_PER_USEC,
			   1) : pass->elapsed_us;
	cg->monitor_ns = pass->now_ns;

	total = mq_cg_stall_us(cg);
	/* A reset moved the total backwards: start over from here. */
	delta = total >= cg->monitor_stall_us ? total - cg->monitor_stall_us : 0;
	cg->monitor_stall_us = total;
	permille = min_t(u64, div64_u64(delta * 1000, elapsed_us), U32_MAX);

	if (!cg->pressured && permille >= pass->threshold)
		cg->pressured = true;
	else if (cg->pressured && permille < pass->threshold - pass->hysteresis)
		cg->pressured = false;
	else
		return;
	ev.pressured = cg->pressured;
	ev.stall_permille = permille;
	mq_event_raise(&ev);
}

static void mq_storm_check(u64 elapsed_us)
{
	u64 stalls = mq_stat_read(MQ_STAT_RECLAIM_STALLS);
	u64 rate = div64_u64((stalls - mq_storm_last_stalls) * USEC_PER_SEC,
			     elapsed_us);
	u32 threshold = READ_ONCE(mq_config[MQ_CFG_STORM_RATE]);
	struct mq_event ev = { .cmd = MEMQOS_CMD_STORM_NTF };

	mq_storm_last_stalls = stalls;
	if (!mq_storm && rate >= threshold)
		mq_storm = true;
	else if (mq_storm && rate < threshold / 2)
		mq_storm = false;
	else
		return;
	ev.storm = mq_storm;
	ev.rate = rate;
	mq_event_raise(&ev);
}

static unsigned long mq_pressure_delay(void)
{
	return msecs_to_jiffies(READ_ONCE(mq_config[MQ_CFG_EVENT_INTERVAL_MS]));
}

static void mq_pressure_pass(struct work_struct *work)
{
	u64 now = ktime_get_ns();
	struct mq_pressure_pass pass = {
		.now_ns = now,
		.elapsed_us = max_t(u64, (now - mq_pressure_last_ns) /
				    NSEC_PER_USEC, 1),
		.threshold = READ_ONCE(mq_config[MQ_CFG_PRESSURE_THRESHOLD]),
		.hysteresis = READ_ONCE(mq_config[MQ_CFG_PRESSURE_HYSTERESIS]),
	};

	/* Threshold and hysteresis are set together, but read apart. */
	pass.hysteresis = min(pass.hysteresis, pass.threshold);
	mq_pressure_last_ns = now;
	mq_cg_for_each(mq_pressure_one, &pass);
	mq_storm_check(pass.elapsed_us);
	mq_attrib_tick(div_u64(pass.elapsed_us, USEC_PER_MSEC));
	queue_delayed_work(system_percpu_wq, &mq_pressure_work, mq_pressure_delay());
}

/* The interval may have changed: apply it now rather than after the old one. */
static void mq_pressure_reschedule(void)
{
	if (READ_ONCE(mq_pressure_running))
		mod_delayed_work(system_percpu_wq, &mq_pressure_work,
				 mq_pressure_delay());
}

int mq_pressure_init(void)
{
	INIT_DEFERRABLE_WORK(&mq_pressure_work, mq_pressure_pass);
	mq_pressure_last_ns = ktime_get_ns();
	mq_storm_last_stalls = mq_stat_read(MQ_STAT_RECLAIM_STALLS);
	WRITE_ONCE(mq_pressure_running, true);
	queue_delayed_work(system_percpu_wq, &mq_pressure_work, mq_pressure_delay());
	mq_config_on_change(mq_pressure_reschedule);
	return 0;
}

void mq_pressure_exit(void)
{
	mq_config_on_change(NULL);
	WRITE_ONCE(mq_pressure_running, false);
	cancel_delayed_work_sync(&mq_pressure_work);
}
