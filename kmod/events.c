// SPDX-License-Identifier: GPL-2.0
/*
 * Multicast events. Probes and the pressure monitor raise them from any
 * context; a work item builds and sends the netlink messages, so nothing
 * that raises an event ever waits on netlink or allocates.
 *
 * Every event gets a sequence number when raised, shared by all kinds. An
 * event that finds the queue full is dropped and counted, and the gap in
 * the sequence tells listeners to resync with a dump. The number is taken
 * under the lock that orders the queue, so events are queued, and sent, in
 * the order of their numbers: a gap is always a loss.
 */
#include <linux/spinlock.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <linux/memqos.h>

#include "events.h"
#include "stats.h"

#define MQ_EVENT_QUEUE	256

static DEFINE_SPINLOCK(mq_event_lock);
static struct mq_event mq_event_queue[MQ_EVENT_QUEUE];
static unsigned int mq_event_head, mq_event_len;
static u64 mq_event_seq;	/* under mq_event_lock */
static struct work_struct mq_event_work;
static const struct mq_event_sink *mq_event_sink;

u64 mq_event_last_seq(void)
{
	unsigned long flags;
	u64 seq;

	spin_lock_irqsave(&mq_event_lock, flags);
	seq = mq_event_seq;
	spin_unlock_irqrestore(&mq_event_lock, flags);
	return seq;
}

void mq_event_raise(struct mq_event *ev)
{
	unsigned long flags;
	bool queued = false;

	if (!mq_event_sink->listening())
		return;

	spin_lock_irqsave(&mq_event_lock, flags);
	/* Numbered and stamped in queue order, whoever raised it. */
	ev->seq = ++mq_event_seq;
	ev->time_ns = ktime_get_real_ns();
	if (mq_event_len < MQ_EVENT_QUEUE) {
		mq_event_queue[(mq_event_head + mq_event_len++) %
			       MQ_EVENT_QUEUE] = *ev;
		queued = true;
	}
	spin_unlock_irqrestore(&mq_event_lock, flags);

	/*
	 * Unbound: the CPU that raised the event (an OOM kill, a reclaim
	 * storm) is the busiest one; listeners should not wait for it.
	 */
	if (queued)
		queue_work(system_dfl_wq, &mq_event_work);
	else
		mq_stat_inc(MQ_STAT_EVENTS_DROPPED);
}

void mq_event_cgroup_removed(u64 cgid)
{
	struct mq_event ev = {
		.cmd = MEMQOS_CMD_CGROUP_REMOVED_NTF,
		.cgid = cgid,
	};

	mq_event_raise(&ev);
}

static bool mq_event_pop(struct mq_event *ev)
{
	unsigned long flags;
	bool ok = false;

	spin_lock_irqsave(&mq_event_lock, flags);
	if (mq_event_len) {
		*ev = mq_event_queue[mq_event_head];
		mq_event_head = (mq_event_head + 1) % MQ_EVENT_QUEUE;
		mq_event_len--;
		ok = true;
	}
	spin_unlock_irqrestore(&mq_event_lock, flags);
	return ok;
}

static void mq_event_send_all(struct work_struct *work)
{
	struct mq_event ev;

	while (mq_event_pop(&ev)) {
		if (mq_event_sink->send(&ev))
			mq_stat_inc(MQ_STAT_EVENTS_DROPPED);
		else
			mq_stat_inc(MQ_STAT_EVENTS_SENT);
	}
}

int mq_events_init(const struct mq_event_sink *sink)
{
	mq_event_sink = sink;
	INIT_WORK(&mq_event_work, mq_event_send_all);
	return 0;
}

/* Waits for a send in progress; raises after this are not sent. */
void mq_events_flush(void)
{
	cancel_work_sync(&mq_event_work);
}

void mq_events_exit(void)
{
	cancel_work_sync(&mq_event_work);
}
