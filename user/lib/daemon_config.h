/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's configuration: tiers, classification rules and every
 * constant of the policy, read from an INI file (/etc/memqos/memqos.conf)
 * with libinih. See user/dist/memqos.conf for every key and its default.
 *
 * Pure apart from mq_daemon_cfg_load() reading the file; unit tested.
 */
#ifndef MEMQOS_DAEMON_CONFIG_H
#define MEMQOS_DAEMON_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_DEFAULT_PATH	"/etc/memqos/memqos.conf"
#define CFG_MAX_TIERS		8
#define CFG_MAX_RULES		64
#define CFG_MAX_OBSERVE		32
#define CFG_NAME_LEN		32
#define CFG_GLOB_LEN		256
#define CFG_MAX_ERRORS		16
#define CFG_ERR_LEN		256
/* No tier: the cgroup is never touched. */
#define CFG_NO_TIER		(-1)

/* What a tier does to its cgroups. */
enum mq_tier_action {
	TIER_MIN,	/* memory.min sized to the working set */
	TIER_LOW,	/* memory.low sized the same way */
	TIER_SQUEEZE,	/* memory.low 0, squeezed when others stall */
};

struct mq_tier_cfg {
	char name[CFG_NAME_LEN];
	enum mq_tier_action action;
	unsigned int priority;		/* 0 first: budget goes in this order */
	/* protection = ws + max(ws * headroom_pct / 100, headroom_min) */
	unsigned int headroom_pct;
	uint64_t headroom_min;
	/* extra headroom while the cgroup stalls in reclaim */
	unsigned int stall_boost_pct;
	/* refault boost: grows by this % of refaulted bytes, see policy.h */
	unsigned int refault_grow_pct;
	unsigned int boost_hold_s;	/* calm before it decays */
	unsigned int boost_decay_s;	/* time constant of the decay */
	/* protection <= max - max(max * cache_room_pct / 100, cache_room_min) */
	unsigned int cache_room_pct;
	uint64_t cache_room_min;
	/* memory.high = prot + high_factor_pct% of (max - prot), if set_high */
	bool set_high;
	unsigned int high_factor_pct;
	/* squeeze: never below floor nor unreclaimable + livelock_margin */
	uint64_t floor;
	unsigned int squeeze_step_pct;	/* of usage, per step */
	uint64_t squeeze_step_min;
	unsigned int reclaim_steps;	/* memory.reclaim steps before high */
	unsigned int release_step_pct;	/* of the current high, per step */
	uint64_t livelock_margin;
	/* release a step at once if throttled at high this much */
	unsigned int livelock_permille;
};

struct mq_rule_cfg {
	char glob[CFG_GLOB_LEN];	/* fnmatch() pattern on the path */
	int tier;			/* index into tiers[] */
};

/* The kubepods subtree beside the kubelet's Memory QoS (KEP-2570). */
enum mq_kube_observe {
	KUBE_OBSERVE_AUTO,	/* observe-only once the kubelet sets memory.min */
	KUBE_OBSERVE_YES,	/* always observe-only */
	KUBE_OBSERVE_NO,	/* managed: the kubelet's files are yielded */
};

enum mq_prot_mode {
	PROT_AUTO,		/* raise ancestors that do not cover */
	PROT_OFF,		/* never touch ancestors; warn instead */
};

struct mq_daemon_cfg {
	/* [daemon] */
	unsigned int reconcile_ms;	/* periodic pass */
	unsigned int squeeze_interval_ms; /* pass while squeezing */
	unsigned int release_delay_ms;	/* calm before releasing */
	unsigned int window_s;		/* working-set measurement window */
	unsigned int pressure_permille;	/* stall rate that is pressure */
	unsigned int change_pct;	/* rewrite protection past this */
	char state_dir[PATH_MAX];
	bool syslog;
	/* [node] */
	unsigned int min_budget_pct;	/* sum of memory.min vs RAM */
	enum mq_prot_mode ancestors;
	/* [mq_classify] */
	char tier_xattr[64];		/* root's tag: trusted.NAME */
	char owner_tier_xattr[64];	/* the owner's: user.NAME, "" if off */
	char annotation[128];		/* read by memqos-oci-hook */
	/* the tiers an annotation may ask for: bit i for tiers[i] */
	uint32_t annotation_tiers;
	bool annotation_none;		/* and "none" */
	bool kubernetes;
	int kube_tier[3];		/* Guaranteed, Burstable, BestEffort */
	int default_tier;
	struct mq_rule_cfg rules[CFG_MAX_RULES];
	size_t n_rules;
	/* subtrees another manager owns: measured, advised, never written */
	char observe[CFG_MAX_OBSERVE][CFG_GLOB_LEN];
	size_t n_observe;
	enum mq_kube_observe kube_observe;
	/* [tier.NAME] */
	struct mq_tier_cfg tiers[CFG_MAX_TIERS];
	size_t n_tiers;
};

/* Messages "FILE:LINE: ..." of a failed load, in file order. */
struct mq_cfg_errors {
	char msg[CFG_MAX_ERRORS][CFG_ERR_LEN];
	unsigned int n;		/* kept, up to CFG_MAX_ERRORS */
	unsigned int total;	/* found */
};

/* The built-in configuration: critical, standard and batch tiers. */
void mq_daemon_cfg_defaults(struct mq_daemon_cfg *cfg);

/*
 * Parse @text (named @name in messages) over the defaults into @cfg.
 * Returns 0, or -EINVAL with every problem in @errs; @cfg is then
 * undefined, so parse into a scratch copy to keep a working one.
 */
int mq_daemon_cfg_parse(struct mq_daemon_cfg *cfg, const char *name,
			const char *text, struct mq_cfg_errors *errs);

/* Read @path and parse it; -errno with a message if it cannot be read. */
int mq_daemon_cfg_load(struct mq_daemon_cfg *cfg, const char *path,
		       struct mq_cfg_errors *errs);

/* The index of tier @name, CFG_NO_TIER if none. */
int mq_daemon_cfg_tier(const struct mq_daemon_cfg *cfg, const char *name);

/* Whether an OCI annotation may ask for tier @name ("none" included). */
bool mq_daemon_cfg_annotation_ok(const struct mq_daemon_cfg *cfg,
				 const char *name);

const char *mq_tier_action_name(enum mq_tier_action a);

/*
 * The first observe glob (fnmatch, '*' within a component) that matches
 * @path or one of its ancestors, so that it covers their subtree: its
 * index, or -1.
 */
int mq_daemon_cfg_observed(const struct mq_daemon_cfg *cfg,
			   const char *path);

#endif /* MEMQOS_DAEMON_CONFIG_H */
