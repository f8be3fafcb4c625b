/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memqos daemon, inside: the state of one running daemon and of its pass,
 * shared by the loop (loop.c) and the steps of a pass (pass.c, measure.c,
 * size.c, squeeze.c, apply.c). Not for anything outside daemon/.
 */
#ifndef MEMQOS_DAEMON_PRIV_H
#define MEMQOS_DAEMON_PRIV_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "cgfs.h"
#include "cgquery.h"
#include "classify.h"
#include "daemon.h"
#include "daemon_config.h"
#include "nl.h"
#include "policy.h"
#include "prom_daemon.h"
#include "state.h"

#define MAX_DEPTH	64

enum cg_file { F_MIN, F_LOW, F_HIGH, NR_FILES };

static const char *const file_names[NR_FILES] = {
	[F_MIN] = "memory.min",
	[F_LOW] = "memory.low",
	[F_HIGH] = "memory.high",
};

/* the exporter's knob labels index by these */
_Static_assert(F_MIN == (int)PROM_KNOB_MIN && F_LOW == (int)PROM_KNOB_LOW &&
	       F_HIGH == (int)PROM_KNOB_HIGH, "cg_file is mq_prom_knob");

/* What the kernel says about one cgroup now. */
struct levels {
	uint64_t usage, anon, shmem, file, active_file, slab_recl, kmem;
	uint64_t refaults, stall_us, throttle_us;
	uint64_t max, cur[NR_FILES];
};

/* Per tiered cgroup, kept across passes (keyed by cgroup id). */
struct rt {
	uint64_t id;
	struct ws_window win;
	struct ws_boost boost;
	struct squeeze_state sq;
	bool ev_pressured;	/* the module's pressure event */
	bool pressured;		/* event or own measure, last pass */
	uint64_t aggressor;	/* the last one logged while it stalls */
	bool aggressor_known;
	uint64_t last_throttle_us, last_ms;
	unsigned int seen;	/* pass number */
	bool from_files;	/* its levels' source, last pass */
	/* squeeze steps taken, for the exporter */
	uint64_t reclaim_steps, high_steps, releases;
};

/* An owner's tag the daemon said it ignores (keyed by cgroup id). */
struct note {
	uint64_t id;
	enum mq_owner_verdict verdict;
	unsigned int seen;	/* pass number */
};

#define MAX_NOTES	4096

/* One cgroup in this pass. */
struct dcg {
	char *rel;
	uint64_t id;
	int parent;
	int root_depth;			/* cgfs_node */
	struct mq_tier_result tr;
	bool has_levels;
	bool from_files;		/* memory.stat and memory.pressure */
	struct levels lv;
	struct rt *rt;
	struct ws_estimate est;
	/* the plan */
	bool manage[NR_FILES];
	uint64_t want[NR_FILES];
	uint64_t asked;			/* protection before the budget */
	bool exact[NR_FILES];		/* no change_pct slack */
	char why[NR_FILES][160];
	uint64_t reclaim;
	const char *reclaim_why;
	uint64_t harm;			/* batch: recent pages it took from
					 * stalling protected cgroups
					 */
	bool protected_below;		/* a protected cgroup in its subtree */
	/* what the file holds after apply, for the exporter */
	bool has_value[NR_FILES];
	uint64_t value[NR_FILES];
	bool observed;			/* another manager's: nothing written */
	bool advised[NR_FILES];		/* want[] is advice (observe.c) */
};

struct exporter;

struct daemon {
	struct mq_nl *nl;		/* requests; opened on first use */
	const struct daemon_opts *o;
	struct mq_daemon_cfg cfg;
	char cfg_name[PATH_MAX];
	struct mq_cgfs fs;
	struct state st;
	char state_path[PATH_MAX + 16];
	bool module;
	struct mq_nl *ev;
	bool ev_warned;		/* joining the events failed, logged */
	struct rt *rts;
	size_t n_rts, cap_rts;
	struct note *notes;	/* MAX_NOTES */
	size_t n_notes;
	uint64_t page, ram;
	unsigned int pass_no;
	bool pressure;		/* a protected cgroup stalled, last pass */
	bool squeezing;		/* a batch cgroup has a lowered high */
	bool react;		/* a pressure event asks for a pass now */
	unsigned int last_scaled;
	bool warned_cover;
	bool no_attrib;		/* the module has no reclaim attribution */
	bool attrib_warned;	/* said that it has none now */
	int mglru;		/* Multi-Gen LRU on (1), off (0), unknown (-1) */
	bool targeted;		/* squeeze the aggressors only */
	bool state_dirty;
	uint64_t conflicts[NR_FILES];	/* files yielded to other writers */
	bool kubelet_qos;	/* its Memory QoS seen: kubepods observed */
	int lock_fd;		/* state_dir/lock, held while it runs */
	int sfd;		/* SIGTERM, SIGINT, SIGHUP */
	struct exporter *exporter;	/* --listen, its own thread */
	/* for the exporter: since the start, and the last budget */
	struct mq_prom_pass_hist passes;
	uint64_t writes[PROM_KNOB_NR];
	uint64_t write_failures[PROM_KNOB_NR][PROM_ERRNO_NR];
	uint64_t budget, demand, granted;
	/* this pass */
	struct dcg *cg;
	size_t n, cap;
	int depth_idx[MAX_DEPTH];
	struct mq_cg_list list;
	bool swap;
	unsigned int changes, failures;
};

/* daemon.c */
__attribute__((format(printf, 3, 4)))
void dlog(struct daemon *d, int prio, const char *fmt, ...);
uint64_t daemon_now_ms(void);
const char *daemon_size_str(uint64_t v, char *buf);
int daemon_load_config(struct daemon *d, struct mq_daemon_cfg *cfg,
		       bool report);
int daemon_restore_all(struct daemon *d, const char *why);

/* loop.c */
void daemon_module_gone(struct daemon *d, const char *what, int err);
void daemon_module_rejoin(struct daemon *d);
int daemon_loop(struct daemon *d);

/* pass.c */
void daemon_free_pass(struct daemon *d);
int daemon_pass(struct daemon *d);

/* measure.c */
void daemon_read_levels(struct daemon *d);
void daemon_note_lru(struct daemon *d);
bool daemon_swap_available(void);
struct rt *daemon_rt_get(struct daemon *d, uint64_t id, bool create);
void daemon_rt_prune(struct daemon *d);
bool daemon_tier_protects(const struct mq_tier_cfg *t);
const struct mq_tier_cfg *daemon_tier_of(const struct daemon *d,
					 const struct dcg *c);
void daemon_measure(struct daemon *d, uint64_t now);

/* publish.c */
uint64_t daemon_now_us(void);
void daemon_publish(struct daemon *d, uint64_t start_us);

/* size.c */
__attribute__((format(printf, 4, 5)))
void daemon_plan(struct dcg *c, enum cg_file f, uint64_t v,
		 const char *fmt, ...);
void daemon_source_text(const struct daemon *d, const struct dcg *c,
			char *buf, size_t len);
void daemon_size_protection(struct daemon *d);
uint64_t daemon_original(struct daemon *d, const struct dcg *c,
			 enum cg_file f);
uint64_t daemon_unreclaimable(const struct daemon *d, const struct dcg *c);
void daemon_cover(struct daemon *d);

/* squeeze.c */
void daemon_squeeze(struct daemon *d, uint64_t now);

/* coexist.c */
enum cg_file daemon_file_index(const char *name);
void daemon_yield(struct daemon *d, struct state_ent *e, const char *cur,
		  const char *when);
void daemon_hold_yielded(struct daemon *d);

/* coexist_metrics.c */
char *daemon_coexist_metrics(const struct daemon *d);

/* observe.c */
void daemon_observe_mark(struct daemon *d);
void daemon_observe_plan(struct daemon *d);

/* apply.c */
bool daemon_save_state(struct daemon *d);
void daemon_apply(struct daemon *d, struct dcg *c);
int daemon_restore_entry(struct daemon *d, struct state_ent *e,
			 const char *why);
void daemon_restore_unmanaged(struct daemon *d);

#endif /* MEMQOS_DAEMON_PRIV_H */
