// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's configuration, see daemon_config.h. libinih splits the
 * file into sections and "key = value" pairs; everything after that,
 * value syntax, ranges and cross references, is checked here so each
 * error names its line.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "daemon_config.h"
#include "units.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MiB		(1ULL << 20)

static const char *const action_names[] = {
	[TIER_MIN] = "min",
	[TIER_LOW] = "low",
	[TIER_SQUEEZE] = "squeeze",
};

static const char *const kube_keys[] = {
	"kube_guaranteed", "kube_burstable", "kube_besteffort",
};

const char *mq_tier_action_name(enum mq_tier_action a)
{
	return a < ARRAY_SIZE(action_names) ? action_names[a] : "?";
}

/* Sizing and squeeze fields are disjoint, so one set serves every tier. */
static void tier_defaults(struct mq_tier_cfg *t, const char *name,
			  enum mq_tier_action action, unsigned int priority)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->action = action;
	t->priority = priority;
	t->headroom_pct = 10;
	t->headroom_min = 8 * MiB;
	t->stall_boost_pct = 10;
	t->refault_grow_pct = 100;
	t->boost_hold_s = 30;
	t->boost_decay_s = 300;
	t->cache_room_pct = 10;
	t->cache_room_min = 16 * MiB;
	t->set_high = false;
	t->high_factor_pct = 90;		/* Kubernetes' default */
	t->floor = 64 * MiB;
	t->squeeze_step_pct = 10;
	t->squeeze_step_min = 8 * MiB;
	t->reclaim_steps = 2;
	t->release_step_pct = 10;
	t->livelock_margin = 16 * MiB;
	t->livelock_permille = 500;
}

void mq_daemon_cfg_defaults(struct mq_daemon_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->reconcile_ms = 5000;
	cfg->squeeze_interval_ms = 1000;
	cfg->release_delay_ms = 5000;
	cfg->window_s = 60;
	cfg->pressure_permille = 100;
	cfg->change_pct = 5;
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "/run/memqos");
	cfg->min_budget_pct = 50;
	cfg->ancestors = PROT_AUTO;
	snprintf(cfg->tier_xattr, sizeof(cfg->tier_xattr),
		 "trusted.memqos.tier");
	snprintf(cfg->owner_tier_xattr, sizeof(cfg->owner_tier_xattr),
		 "user.memqos.tier");
	snprintf(cfg->annotation, sizeof(cfg->annotation), "io.memqos.tier");
	/* standard, batch and none: critical only from root */
	cfg->annotation_tiers = 1u << 1 | 1u << 2;
	cfg->annotation_none = true;
	cfg->kubernetes = true;
	tier_defaults(&cfg->tiers[0], "critical", TIER_MIN, 0);
	tier_defaults(&cfg->tiers[1], "standard", TIER_LOW, 1);
	tier_defaults(&cfg->tiers[2], "batch", TIER_SQUEEZE, 2);
	cfg->n_tiers = 3;
	cfg->kube_tier[0] = 0;
	cfg->kube_tier[1] = 1;
	cfg->kube_tier[2] = 2;
	cfg->default_tier = CFG_NO_TIER;
}

int mq_daemon_cfg_tier(const struct mq_daemon_cfg *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_tiers; i++)
		if (!strcmp(cfg->tiers[i].name, name))
			return (int)i;
	return CFG_NO_TIER;
}

bool mq_daemon_cfg_annotation_ok(const struct mq_daemon_cfg *cfg,
				 const char *name)
{
	int t;

	if (!strcmp(name, "none"))
		return cfg->annotation_none;
	t = mq_daemon_cfg_tier(cfg, name);
	return t != CFG_NO_TIER && (cfg->annotation_tiers & 1u << t);
}

int mq_daemon_cfg_observed(const struct mq_daemon_cfg *cfg,
			   const char *path)
{
	char prefix[PATH_MAX];
	size_t i, len;
	const char *p;

	if (!cfg->n_observe || strlen(path) >= sizeof(prefix))
		return -1;
	/* "/a", "/a/b", ... up to @path itself */
	for (p = path + 1; ; p++) {
		if (*p && *p != '/')
			continue;
		len = p - path;
		memcpy(prefix, path, len);
		prefix[len] = '\0';
		for (i = 0; i < cfg->n_observe; i++)
			if (!fnmatch(cfg->observe[i], prefix, FNM_PATHNAME))
				return (int)i;
		if (!*p)
			return -1;
	}
}

/* ---- values ---- */

enum val_type {
	V_UINT, V_SIZE, V_BOOL, V_ACTION, V_STR, V_PROT, V_KUBE_OBSERVE
};

struct key_desc {
	const char *key;
	enum val_type type;
	size_t off;
	unsigned long min, max;		/* V_UINT range; V_STR size */
};

#define TK(k, t, lo, hi) { #k, t, offsetof(struct mq_tier_cfg, k), lo, hi }
#define DK(k, t, lo, hi) { #k, t, offsetof(struct mq_daemon_cfg, k), lo, hi }

static const struct key_desc tier_keys[] = {
	TK(action, V_ACTION, 0, 0),
	TK(priority, V_UINT, 0, 1000),
	TK(headroom_pct, V_UINT, 0, 1000),
	TK(headroom_min, V_SIZE, 0, 0),
	TK(stall_boost_pct, V_UINT, 0, 1000),
	TK(refault_grow_pct, V_UINT, 0, 1000),
	TK(boost_hold_s, V_UINT, 0, 86400),
	TK(boost_decay_s, V_UINT, 0, 86400),
	TK(cache_room_pct, V_UINT, 0, 90),
	TK(cache_room_min, V_SIZE, 0, 0),
	TK(set_high, V_BOOL, 0, 0),
	TK(high_factor_pct, V_UINT, 1, 100),
	TK(floor, V_SIZE, 0, 0),
	TK(squeeze_step_pct, V_UINT, 1, 50),
	TK(squeeze_step_min, V_SIZE, 0, 0),
	TK(reclaim_steps, V_UINT, 0, 100),
	TK(release_step_pct, V_UINT, 1, 100),
	TK(livelock_margin, V_SIZE, 0, 0),
	TK(livelock_permille, V_UINT, 1, 100000),
};

static const struct key_desc daemon_keys[] = {
	DK(reconcile_ms, V_UINT, 100, 3600000),
	DK(squeeze_interval_ms, V_UINT, 100, 60000),
	DK(release_delay_ms, V_UINT, 0, 3600000),
	DK(window_s, V_UINT, 1, 86400),
	DK(pressure_permille, V_UINT, 1, 100000),
	DK(change_pct, V_UINT, 0, 100),
	DK(state_dir, V_STR, 0, sizeof(((struct mq_daemon_cfg *)0)->state_dir)),
	DK(syslog, V_BOOL, 0, 0),
};

static const struct key_desc node_keys[] = {
	DK(min_budget_pct, V_UINT, 0, 100),
	DK(ancestors, V_PROT, 0, 0),
};

static const struct key_desc classify_keys[] = {
	DK(tier_xattr, V_STR, 0,
	   sizeof(((struct mq_daemon_cfg *)0)->tier_xattr)),
	DK(owner_tier_xattr, V_STR, 0,
	   sizeof(((struct mq_daemon_cfg *)0)->owner_tier_xattr)),
	DK(annotation, V_STR, 0,
	   sizeof(((struct mq_daemon_cfg *)0)->annotation)),
	DK(kubernetes, V_BOOL, 0, 0),
	DK(kube_observe, V_KUBE_OBSERVE, 0, 0),
};

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- the parse ---- */

struct parse {
	struct mq_daemon_cfg *cfg;
	const char *name;
	const char *text;	/* read position */
	int line;		/* of the line inih is handling */
	struct mq_cfg_errors *errs;
	/* lines of keys that refer to tiers, resolved once all are read */
	int kube_line[3];
	char kube_name[3][CFG_NAME_LEN];
	int default_line;
	char default_name[CFG_NAME_LEN];
	int rule_line[CFG_MAX_RULES];
	char rule_tier[CFG_MAX_RULES][CFG_NAME_LEN];
	/* first line of each tier's section, for "needs action" */
	int tier_line[CFG_MAX_TIERS];
	bool tier_has_action[CFG_MAX_TIERS];
	int squeeze_line, xattr_line, owner_xattr_line;
	int annotation_tiers_line;
	char annotation_tiers[CFG_GLOB_LEN];
	int section_line;	/* of the last [section] */
};

__attribute__((format(printf, 3, 4)))
static void add_error(struct parse *p, int line, const char *fmt, ...)
{
	struct mq_cfg_errors *e = p->errs;
	va_list ap;
	int n;

	e->total++;
	if (e->n >= CFG_MAX_ERRORS)
		return;
	n = snprintf(e->msg[e->n], CFG_ERR_LEN, "%s:%d: ", p->name, line);
	/* a name that fills the message leaves no room for the rest */
	if (n >= 0 && n < CFG_ERR_LEN - 1) {
		va_start(ap, fmt);
		vsnprintf(e->msg[e->n] + n, CFG_ERR_LEN - n, fmt, ap);
		va_end(ap);
	}
	e->n++;
}

/* Store @value for @d into the struct at @base; false if reported bad. */
static bool set_value(struct parse *p, const char *section,
		      const struct key_desc *d, void *base, const char *value)
{
	void *field = (char *)base + d->off;
	int err = 0;

	switch (d->type) {
	case V_UINT:
		err = mq_units_parse_u32(value, d->min, d->max, field);
		if (err == -ERANGE) {
			add_error(p, p->line, "[%s] %s: %s is out of range %lu..%lu",
				  section, d->key, value, d->min, d->max);
			return false;
		}
		break;
	case V_SIZE:
		err = mq_units_parse_size(value, field);
		if (!err && *(uint64_t *)field == UINT64_MAX)
			err = -EINVAL;		/* "max" is no size here */
		break;
	case V_BOOL:
		err = parse_bool(value, field);
		break;
	case V_ACTION: {
		size_t i;

		err = -EINVAL;
		for (i = 0; i < ARRAY_SIZE(action_names); i++) {
			if (!strcmp(value, action_names[i])) {
				*(enum mq_tier_action *)field = i;
				err = 0;
			}
		}
		if (err) {
			add_error(p, p->line,
				  "[%s] action: '%s' is not min, low or squeeze",
				  section, value);
			return false;
		}
		break;
	}
	case V_PROT:
		if (!strcmp(value, "auto"))
			*(enum mq_prot_mode *)field = PROT_AUTO;
		else if (!strcmp(value, "off"))
			*(enum mq_prot_mode *)field = PROT_OFF;
		else
			err = -EINVAL;
		break;
	case V_KUBE_OBSERVE: {
		bool on;

		if (!strcmp(value, "auto"))
			*(enum mq_kube_observe *)field = KUBE_OBSERVE_AUTO;
		else if (!parse_bool(value, &on))
			*(enum mq_kube_observe *)field = on ? KUBE_OBSERVE_YES :
							      KUBE_OBSERVE_NO;
		else
			err = -EINVAL;
		break;
	}
	case V_STR:
		if (!*value || strlen(value) >= d->max) {
			add_error(p, p->line, "[%s] %s: must be 1..%lu characters",
				  section, d->key, d->max - 1);
			return false;
		}
		strcpy(field, value);
		break;
	}
	if (err) {
		static const char *const what[] = {
			[V_UINT] = "a whole number",
			[V_SIZE] = "a size (bytes or with K, M, G)",
			[V_BOOL] = "yes or no",
			[V_ACTION] = "min, low or squeeze",
			[V_STR] = "a string",
			[V_PROT] = "auto or off",
			[V_KUBE_OBSERVE] = "auto, yes or no",
		};

		add_error(p, p->line, "[%s] %s: '%s' is not %s", section,
			  d->key, value, what[d->type]);
		return false;
	}
	return true;
}

static bool set_from_table(struct parse *p, const char *section,
			   const struct key_desc *tab, size_t n, void *base,
			   const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(tab[i].key, key))
			return set_value(p, section, &tab[i], base, value);
	add_error(p, p->line, "[%s] unknown key '%s'", section, key);
	return false;
}

static bool valid_tier_name(const char *s)
{
	size_t n = strlen(s);

	return n && n < CFG_NAME_LEN && strcmp(s, "none") &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static int tier_section(struct parse *p, const char *section,
			const char *key, const char *value)
{
	struct mq_daemon_cfg *cfg = p->cfg;
	const char *name = section + strlen("tier.");
	int t = mq_daemon_cfg_tier(cfg, name);

	if (t == CFG_NO_TIER) {
		if (!valid_tier_name(name)) {
			add_error(p, p->section_line,
				  "[%s] tier names are [a-z0-9_-], at most %d, not 'none'",
				  section, CFG_NAME_LEN - 1);
			return 1;
		}
		if (cfg->n_tiers == CFG_MAX_TIERS) {
			add_error(p, p->line, "[%s] more than %d tiers",
				  section, CFG_MAX_TIERS);
			return 1;
		}
		t = (int)cfg->n_tiers++;
		/* a new tier must say what it does */
		tier_defaults(&cfg->tiers[t], name, TIER_MIN, 10 + t);
		p->tier_line[t] = p->section_line;
	}
	if (!strcmp(key, "action"))
		p->tier_has_action[t] = true;
	set_from_table(p, section, tier_keys, ARRAY_SIZE(tier_keys),
		       &cfg->tiers[t], key, value);
	return 1;
}

/* "GLOB TIER": the tier is the last word, the glob everything before. */
static void rule_key(struct parse *p, const char *value)
{
	struct mq_daemon_cfg *cfg = p->cfg;
	const char *sp = strrchr(value, ' ');
	const char *tab = strrchr(value, '\t');
	size_t glob_len;

	if (tab > sp)
		sp = tab;
	if (!sp || sp == value || !sp[1]) {
		add_error(p, p->line, "[classify] rule: expected 'GLOB TIER', got '%s'",
			  value);
		return;
	}
	if (cfg->n_rules == CFG_MAX_RULES) {
		add_error(p, p->line, "[classify] more than %d rules",
			  CFG_MAX_RULES);
		return;
	}
	glob_len = sp - value;
	while (glob_len && (value[glob_len - 1] == ' ' ||
			    value[glob_len - 1] == '\t'))
		glob_len--;
	if (glob_len >= CFG_GLOB_LEN || strlen(sp + 1) >= CFG_NAME_LEN) {
		add_error(p, p->line, "[classify] rule: glob or tier too long");
		return;
	}
	if (value[0] != '/') {
		add_error(p, p->line,
			  "[classify] rule: '%.*s' must start with '/' (a path from the cgroup2 root)",
			  (int)glob_len, value);
		return;
	}
	memcpy(cfg->rules[cfg->n_rules].glob, value, glob_len);
	cfg->rules[cfg->n_rules].glob[glob_len] = '\0';
	snprintf(p->rule_tier[cfg->n_rules], CFG_NAME_LEN, "%s", sp + 1);
	p->rule_line[cfg->n_rules] = p->line;
	cfg->n_rules++;
}

/* "observe = GLOB": a subtree another manager owns. */
static void observe_key(struct parse *p, const char *value)
{
	struct mq_daemon_cfg *cfg = p->cfg;

	if (value[0] != '/') {
		add_error(p, p->line,
			  "[classify] observe: '%s' must start with '/' (a path from the cgroup2 root)",
			  value);
		return;
	}
	if (strlen(value) >= CFG_GLOB_LEN) {
		add_error(p, p->line, "[classify] observe: glob longer than %d",
			  CFG_GLOB_LEN - 1);
		return;
	}
	if (cfg->n_observe == CFG_MAX_OBSERVE) {
		add_error(p, p->line, "[classify] more than %d observe lines",
			  CFG_MAX_OBSERVE);
		return;
	}
	strcpy(cfg->observe[cfg->n_observe++], value);
}

static void classify_key(struct parse *p, const char *key, const char *value)
{
	size_t i;

	if (!strcmp(key, "rule")) {
		rule_key(p, value);
		return;
	}
	if (!strcmp(key, "observe")) {
		observe_key(p, value);
		return;
	}
	if (!strcmp(key, "default")) {
		snprintf(p->default_name, CFG_NAME_LEN, "%s", value);
		p->default_line = p->line;
		return;
	}
	if (!strcmp(key, "annotation_tiers")) {
		/* tier names are known once the whole file is read */
		snprintf(p->annotation_tiers, sizeof(p->annotation_tiers),
			 "%s", value);
		p->annotation_tiers_line = p->line;
		return;
	}
	for (i = 0; i < ARRAY_SIZE(kube_keys); i++) {
		if (!strcmp(key, kube_keys[i])) {
			snprintf(p->kube_name[i], CFG_NAME_LEN, "%s", value);
			p->kube_line[i] = p->line;
			return;
		}
	}
	set_from_table(p, "classify", classify_keys, ARRAY_SIZE(classify_keys),
		       p->cfg, key, value);
}

static int handler(void *user, const char *section, const char *key,
		   const char *value)
{
	struct parse *p = user;

	if (!strcmp(key, "squeeze_interval_ms"))
		p->squeeze_line = p->line;
	if (!strcmp(key, "tier_xattr"))
		p->xattr_line = p->line;
	if (!strcmp(key, "owner_tier_xattr"))
		p->owner_xattr_line = p->line;
	if (!strcmp(section, "daemon"))
		set_from_table(p, section, daemon_keys,
			       ARRAY_SIZE(daemon_keys), p->cfg, key, value);
	else if (!strcmp(section, "node"))
		set_from_table(p, section, node_keys, ARRAY_SIZE(node_keys),
			       p->cfg, key, value);
	else if (!strcmp(section, "classify"))
		classify_key(p, key, value);
	else if (!strncmp(section, "tier.", 5))
		tier_section(p, section, key, value);
	else if (!*section)
		add_error(p, p->line, "'%s' before any [section]", key);
	else
		add_error(p, p->line,
			  "unknown section [%s] (daemon, node, classify, tier.NAME)",
			  section);
	/* errors are ours to report, with the message; inih's would not */
	return 1;
}

/* What inih would reject, caught here so that every such line is named. */
static bool bad_syntax(const char *s, size_t len)
{
	size_t skip = strspn(s, " \t\r\n");

	s += skip;
	len -= skip;
	if (!len || *s == ';' || *s == '#')
		return false;
	if (*s == '[')
		return !memchr(s, ']', len);
	return !memchr(s, '=', len) && !memchr(s, ':', len);
}

/*
 * fgets() over the text, counting lines so the handler knows its own.
 * Over-long and malformed lines are reported and passed on empty.
 */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	const char *s = p->text, *nl;
	size_t len;

	if (!*s)
		return NULL;
	p->line++;
	nl = strchr(s, '\n');
	len = nl ? (size_t)(nl - s) + 1 : strlen(s);
	p->text = s + len;
	if (len >= (size_t)num) {
		add_error(p, p->line, "line longer than %d characters",
			  num - 2);
		len = 0;
	} else if (bad_syntax(s, len)) {
		add_error(p, p->line,
			  "syntax error: expected [section] or key = value");
		len = 0;
	} else if (s[strspn(s, " \t")] == '[') {
		p->section_line = p->line;
	}
	memcpy(str, s, len);
	str[len] = '\0';
	return str;
}

/* A name that refers to a tier: its index, CFG_NO_TIER for "none". */
static bool resolve_tier(struct parse *p, int line, const char *what,
			 const char *name, int *out)
{
	if (!strcmp(name, "none")) {
		*out = CFG_NO_TIER;
		return true;
	}
	*out = mq_daemon_cfg_tier(p->cfg, name);
	if (*out != CFG_NO_TIER)
		return true;
	add_error(p, line, "%s: unknown tier '%s'", what, name);
	return false;
}

/* "annotation_tiers = standard batch none": names, space or comma apart. */
static void annotation_tiers(struct parse *p)
{
	struct mq_daemon_cfg *cfg = p->cfg;
	char *list = p->annotation_tiers, *name;
	int t;

	cfg->annotation_tiers = 0;
	cfg->annotation_none = false;
	while ((name = strsep(&list, " \t,"))) {
		if (!*name)
			continue;
		if (!resolve_tier(p, p->annotation_tiers_line,
				  "annotation_tiers", name, &t))
			continue;
		if (t == CFG_NO_TIER)
			cfg->annotation_none = true;
		else
			cfg->annotation_tiers |= 1u << t;
	}
}

static void resolve(struct parse *p)
{
	struct mq_daemon_cfg *cfg = p->cfg;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kube_keys); i++)
		if (p->kube_line[i])
			resolve_tier(p, p->kube_line[i], kube_keys[i],
				     p->kube_name[i], &cfg->kube_tier[i]);
	if (p->default_line)
		resolve_tier(p, p->default_line, "default", p->default_name,
			     &cfg->default_tier);
	for (i = 0; i < cfg->n_rules; i++)
		if (!resolve_tier(p, p->rule_line[i], "rule", p->rule_tier[i],
				  &cfg->rules[i].tier))
			cfg->rules[i].tier = CFG_NO_TIER;
	for (i = 0; i < cfg->n_tiers; i++)
		if (p->tier_line[i] && !p->tier_has_action[i])
			add_error(p, p->tier_line[i],
				  "[tier.%s] a new tier needs 'action = min|low|squeeze'",
				  cfg->tiers[i].name);
	if (cfg->squeeze_interval_ms > cfg->reconcile_ms)
		add_error(p, p->squeeze_line ? p->squeeze_line : p->line,
			  "[daemon] squeeze_interval_ms (%u) must not exceed reconcile_ms (%u)",
			  cfg->squeeze_interval_ms, cfg->reconcile_ms);
	/* kernfs keeps trusted.* too; only CAP_SYS_ADMIN may set them */
	if (!strncmp(cfg->tier_xattr, "user.", 5))
		add_error(p, p->xattr_line,
			  "[classify] tier_xattr: '%s' is a user.* xattr, which every owner of a cgroup may set; root's tag is trusted.NAME (owners' tags: owner_tier_xattr, which can only lower a tier)",
			  cfg->tier_xattr);
	else if (strncmp(cfg->tier_xattr, "trusted.", 8) || !cfg->tier_xattr[8])
		add_error(p, p->xattr_line,
			  "[classify] tier_xattr: '%s' must be trusted.NAME",
			  cfg->tier_xattr);
	if (!strcmp(cfg->owner_tier_xattr, "off"))
		cfg->owner_tier_xattr[0] = '\0';
	else if (strncmp(cfg->owner_tier_xattr, "user.", 5) ||
		 !cfg->owner_tier_xattr[5])
		add_error(p, p->owner_xattr_line,
			  "[classify] owner_tier_xattr: '%s' must be user.NAME or off",
			  cfg->owner_tier_xattr);
	if (p->annotation_tiers_line)
		annotation_tiers(p);
}

int mq_daemon_cfg_parse(struct mq_daemon_cfg *cfg, const char *name,
			const char *text, struct mq_cfg_errors *errs)
{
	struct parse *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	memset(errs, 0, sizeof(*errs));
	mq_daemon_cfg_defaults(cfg);
	p->cfg = cfg;
	p->name = name;
	p->text = text;
	p->errs = errs;

	/* a value on an indented line is not a continuation of the last */
	ini_allow_multiline = false;
	ini_allow_inline_comments = true;

	ret = ini_parse_stream(reader, p, handler, p);
	if (ret > 0) {
		/* inih's own error: a line that is no section nor key=value */
		bool ours = false;
		unsigned int i;

		for (i = 0; i < errs->n; i++) {
			char at[32];

			snprintf(at, sizeof(at), ":%d: ", ret);
			ours |= strstr(errs->msg[i], at) != NULL;
		}
		if (!ours)
			add_error(p, ret,
				  "syntax error: expected [section] or key = value");
	} else if (ret < 0) {
		add_error(p, 0, "out of memory");
	}
	p->line++;	/* resolve() errors point past the end if nothing better */
	resolve(p);
	free(p);
	return errs->total ? -EINVAL : 0;
}

int mq_daemon_cfg_load(struct mq_daemon_cfg *cfg, const char *path,
		       struct mq_cfg_errors *errs)
{
	FILE *fp = fopen(path, "re");
	char *text = NULL;
	size_t len = 0;
	int err;

	memset(errs, 0, sizeof(*errs));
	if (!fp) {
		err = -errno;
		snprintf(errs->msg[0], CFG_ERR_LEN, "%s: %s", path,
			 strerror(errno));
		errs->n = errs->total = 1;
		return err;
	}
	if (getdelim(&text, &len, '\0', fp) < 0) {
		err = ferror(fp) ? -EIO : 0;
		free(text);
		text = NULL;
		if (err) {
			fclose(fp);
			snprintf(errs->msg[0], CFG_ERR_LEN, "%s: read error",
				 path);
			errs->n = errs->total = 1;
			return err;
		}
	}
	fclose(fp);
	err = mq_daemon_cfg_parse(cfg, path, text ? text : "", errs);
	free(text);
	return err;
}
