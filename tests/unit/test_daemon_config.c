// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/daemon_config.c: the daemon's INI configuration, read from
 * temporary files like the daemon reads /etc/memqos/memqos.conf.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon_config.h"
#include "unit.h"

#define MiB	(1ULL << 20)

static char path[64];

/* @text in a new temporary file; its name in path. */
static void write_conf(const char *text)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/memqos-unit-XXXXXX");
	fd = mkstemp(path);
	EXPECT_TRUE(fd >= 0);
	if (fd < 0)
		return;
	EXPECT_TRUE(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

static int load(const char *text, struct mq_daemon_cfg *cfg,
		struct mq_cfg_errors *errs)
{
	int ret;

	write_conf(text);
	ret = mq_daemon_cfg_load(cfg, path, errs);
	unlink(path);
	return ret;
}

/* errs->msg[i] with the temporary name replaced by "F". */
static const char *msg(const struct mq_cfg_errors *errs, unsigned int i)
{
	static char buf[CFG_ERR_LEN];
	size_t n = strlen(path);

	if (i >= errs->n)
		return "(none)";
	if (!strncmp(errs->msg[i], path, n))
		snprintf(buf, sizeof(buf), "F%s", errs->msg[i] + n);
	else
		snprintf(buf, sizeof(buf), "%s", errs->msg[i]);
	return buf;
}

static void defaults_three_tiers(void)
{
	struct mq_daemon_cfg cfg;

	mq_daemon_cfg_defaults(&cfg);
	EXPECT_INT_EQ(cfg.n_tiers, 3);
	EXPECT_STR_EQ(cfg.tiers[0].name, "critical");
	EXPECT_INT_EQ(cfg.tiers[0].action, TIER_MIN);
	EXPECT_STR_EQ(cfg.tiers[1].name, "standard");
	EXPECT_INT_EQ(cfg.tiers[1].action, TIER_LOW);
	EXPECT_STR_EQ(cfg.tiers[2].name, "batch");
	EXPECT_INT_EQ(cfg.tiers[2].action, TIER_SQUEEZE);
	EXPECT_INT_EQ(cfg.default_tier, CFG_NO_TIER);
	EXPECT_INT_EQ(cfg.kube_tier[0], 0);
	EXPECT_INT_EQ(cfg.kube_tier[2], 2);
	EXPECT_STR_EQ(cfg.tier_xattr, "trusted.memqos.tier");
	EXPECT_STR_EQ(cfg.owner_tier_xattr, "user.memqos.tier");
	/* an annotation may not ask for critical */
	EXPECT_TRUE(!mq_daemon_cfg_annotation_ok(&cfg, "critical"));
	EXPECT_TRUE(mq_daemon_cfg_annotation_ok(&cfg, "standard"));
	EXPECT_TRUE(mq_daemon_cfg_annotation_ok(&cfg, "batch"));
	EXPECT_TRUE(mq_daemon_cfg_annotation_ok(&cfg, "none"));
	EXPECT_TRUE(!mq_daemon_cfg_annotation_ok(&cfg, "gold"));
	EXPECT_INT_EQ(cfg.reconcile_ms, 5000);
	EXPECT_INT_EQ(cfg.min_budget_pct, 50);
	EXPECT_U64_EQ(cfg.tiers[2].floor, 64 * MiB);
}

static void empty_file_is_defaults(void)
{
	struct mq_daemon_cfg cfg;
	struct mq_cfg_errors errs;

	EXPECT_INT_EQ(load("", &cfg, &errs), 0);
	EXPECT_INT_EQ(cfg.n_tiers, 3);
	EXPECT_INT_EQ(load("; only a comment\n# another\n\n", &cfg, &errs), 0);
}

static void full_config(void)
{
	struct mq_daemon_cfg cfg;
	struct mq_cfg_errors errs;
	int ret;

	ret = load("[daemon]\n"
		   "reconcile_ms = 2000\n"
		   "squeeze_interval_ms = 500 ; inline comment\n"
		   "window_s = 30\n"
		   "state_dir = /tmp/st\n"
		   "syslog = yes\n"
		   "[node]\n"
		   "min_budget_pct = 40\n"
		   "ancestors = off\n"
		   "[classify]\n"
		   "tier_xattr = trusted.qos\n"
		   "owner_tier_xattr = off\n"
		   "annotation_tiers = critical, gold batch\n"
		   "kube_besteffort = none\n"
		   "default = batch\n"
		   "rule = /system.slice/docker-*.scope standard\n"
		   "rule = /machine.slice/libpod-*.scope   critical\n"
		   "[tier.critical]\n"
		   "headroom_min = 32M\n"
		   "refault_grow_pct = 50\n"
		   "boost_hold_s = 10\n"
		   "boost_decay_s = 0\n"
		   "set_high = true\n"
		   "high_factor_pct = 80\n"
		   "[tier.batch]\n"
		   "floor = 1G\n"
		   "[tier.gold]\n"
		   "action = min\n"
		   "priority = 0\n",
		   &cfg, &errs);
	EXPECT_INT_EQ(ret, 0);
	EXPECT_INT_EQ(errs.total, 0);
	EXPECT_INT_EQ(cfg.reconcile_ms, 2000);
	EXPECT_INT_EQ(cfg.squeeze_interval_ms, 500);
	EXPECT_INT_EQ(cfg.window_s, 30);
	EXPECT_STR_EQ(cfg.state_dir, "/tmp/st");
	EXPECT_TRUE(cfg.syslog);
	EXPECT_INT_EQ(cfg.min_budget_pct, 40);
	EXPECT_INT_EQ(cfg.ancestors, PROT_OFF);
	EXPECT_STR_EQ(cfg.tier_xattr, "trusted.qos");
	EXPECT_STR_EQ(cfg.owner_tier_xattr, "");
	EXPECT_TRUE(mq_daemon_cfg_annotation_ok(&cfg, "critical"));
	EXPECT_TRUE(mq_daemon_cfg_annotation_ok(&cfg, "gold"));
	EXPECT_TRUE(mq_daemon_cfg_annotation_ok(&cfg, "batch"));
	EXPECT_TRUE(!mq_daemon_cfg_annotation_ok(&cfg, "standard"));
	EXPECT_TRUE(!mq_daemon_cfg_annotation_ok(&cfg, "none"));
	EXPECT_INT_EQ(cfg.kube_tier[2], CFG_NO_TIER);
	EXPECT_INT_EQ(cfg.default_tier, 2);
	EXPECT_INT_EQ(cfg.n_rules, 2);
	EXPECT_STR_EQ(cfg.rules[0].glob, "/system.slice/docker-*.scope");
	EXPECT_INT_EQ(cfg.rules[0].tier, 1);
	EXPECT_STR_EQ(cfg.rules[1].glob, "/machine.slice/libpod-*.scope");
	EXPECT_INT_EQ(cfg.rules[1].tier, 0);
	EXPECT_U64_EQ(cfg.tiers[0].headroom_min, 32 * MiB);
	EXPECT_INT_EQ(cfg.tiers[0].refault_grow_pct, 50);
	EXPECT_INT_EQ(cfg.tiers[0].boost_hold_s, 10);
	EXPECT_INT_EQ(cfg.tiers[0].boost_decay_s, 0);
	/* the refault boost's defaults */
	EXPECT_INT_EQ(cfg.tiers[1].refault_grow_pct, 100);
	EXPECT_INT_EQ(cfg.tiers[1].boost_hold_s, 30);
	EXPECT_INT_EQ(cfg.tiers[1].boost_decay_s, 300);
	EXPECT_TRUE(cfg.tiers[0].set_high);
	EXPECT_INT_EQ(cfg.tiers[0].high_factor_pct, 80);
	EXPECT_U64_EQ(cfg.tiers[2].floor, 1024 * MiB);
	EXPECT_INT_EQ(cfg.n_tiers, 4);
	EXPECT_STR_EQ(cfg.tiers[3].name, "gold");
	EXPECT_INT_EQ(cfg.tiers[3].action, TIER_MIN);
	EXPECT_INT_EQ(mq_daemon_cfg_tier(&cfg, "gold"), 3);
	EXPECT_INT_EQ(mq_daemon_cfg_tier(&cfg, "nope"), CFG_NO_TIER);
}

static void errors_name_file_and_line(void)
{
	struct mq_daemon_cfg cfg;
	struct mq_cfg_errors errs;

	EXPECT_INT_EQ(load("[daemon]\n"
			   "reconcile_ms = 50\n"
			   "syslog = maybe\n"
			   "bogus line\n"
			   "[tier.batch]\n"
			   "floor = 12 apples\n"
			   "colour = blue\n"
			   "[elsewhere]\n"
			   "a = b\n",
			   &cfg, &errs), -EINVAL);
	EXPECT_INT_EQ(errs.total, 6);
	EXPECT_STR_EQ(msg(&errs, 0),
		      "F:2: [daemon] reconcile_ms: 50 is out of range 100..3600000");
	EXPECT_STR_EQ(msg(&errs, 1),
		      "F:3: [daemon] syslog: 'maybe' is not yes or no");
	EXPECT_STR_EQ(msg(&errs, 2),
		      "F:4: syntax error: expected [section] or key = value");
	EXPECT_STR_EQ(msg(&errs, 3),
		      "F:6: [tier.batch] floor: '12 apples' is not a size (bytes or with K, M, G)");
	EXPECT_STR_EQ(msg(&errs, 4), "F:7: [tier.batch] unknown key 'colour'");
	EXPECT_STR_EQ(msg(&errs, 5),
		      "F:9: unknown section [elsewhere] (daemon, node, classify, tier.NAME)");
}

static void errors_in_references(void)
{
	struct mq_daemon_cfg cfg;
	struct mq_cfg_errors errs;

	EXPECT_INT_EQ(load("[classify]\n"
			   "rule = /a/* gold\n"
			   "rule = nopath batch\n"
			   "rule = /only-a-glob\n"
			   "default = silver\n"
			   "[tier.new]\n"
			   "headroom_pct = 5\n"
			   "[tier.Bad Name]\n"
			   "action = min\n",
			   &cfg, &errs), -EINVAL);
	EXPECT_INT_EQ(errs.total, 6);
	EXPECT_STR_EQ(msg(&errs, 0),
		      "F:3: [classify] rule: 'nopath' must start with '/' (a path from the cgroup2 root)");
	EXPECT_STR_EQ(msg(&errs, 1),
		      "F:4: [classify] rule: expected 'GLOB TIER', got '/only-a-glob'");
	EXPECT_STR_EQ(msg(&errs, 2),
		      "F:8: [tier.Bad Name] tier names are [a-z0-9_-], at most 31, not 'none'");
	EXPECT_STR_EQ(msg(&errs, 3), "F:5: default: unknown tier 'silver'");
	EXPECT_STR_EQ(msg(&errs, 4), "F:2: rule: unknown tier 'gold'");
	EXPECT_STR_EQ(msg(&errs, 5),
		      "F:6: [tier.new] a new tier needs 'action = min|low|squeeze'");
}

static void errors_cross_checks(void)
{
	struct mq_daemon_cfg cfg;
	struct mq_cfg_errors errs;

	EXPECT_INT_EQ(load("[daemon]\n"
			   "reconcile_ms = 1000\n"
			   "squeeze_interval_ms = 2000\n"
			   "[classify]\n"
			   "tier_xattr = security.tier\n"
			   "key before = nothing\n"
			   "owner_tier_xattr = trusted.x\n"
			   "annotation_tiers = standard gold\n",
			   &cfg, &errs), -EINVAL);
	EXPECT_INT_EQ(errs.total, 5);
	EXPECT_STR_EQ(msg(&errs, 0), "F:6: [classify] unknown key 'key before'");
	EXPECT_STR_EQ(msg(&errs, 1),
		      "F:3: [daemon] squeeze_interval_ms (2000) must not exceed reconcile_ms (1000)");
	EXPECT_STR_EQ(msg(&errs, 2),
		      "F:5: [classify] tier_xattr: 'security.tier' must be trusted.NAME");
	EXPECT_STR_EQ(msg(&errs, 3),
		      "F:7: [classify] owner_tier_xattr: 'trusted.x' must be user.NAME or off");
	EXPECT_STR_EQ(msg(&errs, 4),
		      "F:8: annotation_tiers: unknown tier 'gold'");
	/* the old default, written out: refused, with where to go */
	EXPECT_INT_EQ(load("[classify]\ntier_xattr = user.memqos.tier\n",
			   &cfg, &errs), -EINVAL);
	EXPECT_STR_EQ(msg(&errs, 0),
		      "F:2: [classify] tier_xattr: 'user.memqos.tier' is a user.* xattr, which every owner of a cgroup may set; root's tag is trusted.NAME (owners' tags: owner_tier_xattr, which can only lower a tier)");
	EXPECT_INT_EQ(load("x = 1\n", &cfg, &errs), -EINVAL);
	EXPECT_STR_EQ(msg(&errs, 0), "F:1: 'x' before any [section]");
}

static void long_line_is_an_error(void)
{
	struct mq_daemon_cfg cfg;
	struct mq_cfg_errors errs;
	char text[600];

	snprintf(text, sizeof(text), "[classify]\nrule = /%0400d critical\n",
		 0);
	EXPECT_INT_EQ(load(text, &cfg, &errs), -EINVAL);
	EXPECT_INT_EQ(errs.total, 1);
	EXPECT_STR_EQ(msg(&errs, 0), "F:2: line longer than 198 characters");
}

static void many_errors_are_counted(void)
{
	struct mq_daemon_cfg cfg;
	struct mq_cfg_errors errs;
	char text[2048] = "[daemon]\n";
	int i;

	for (i = 0; i < 20; i++)
		strcat(text, "window_s = 0\n");
	EXPECT_INT_EQ(load(text, &cfg, &errs), -EINVAL);
	EXPECT_INT_EQ(errs.total, 20);
	EXPECT_INT_EQ(errs.n, CFG_MAX_ERRORS);
}

/*
 * A name longer than a message: every message is the name cut short,
 * within its buffer (ASan saw the rest of the format written past it).
 */
static void long_name_many_errors(void)
{
	struct mq_daemon_cfg cfg;
	struct mq_cfg_errors errs;
	char *name = malloc(PATH_MAX), text[2048] = "[daemon]\n";
	unsigned int i;
	int j;

	EXPECT_TRUE(name != NULL);
	if (!name)
		return;
	memset(name, 'n', PATH_MAX - 1);
	name[PATH_MAX - 1] = '\0';
	for (j = 0; j < 20; j++)
		strcat(text, "window_s = 0\n");
	EXPECT_INT_EQ(mq_daemon_cfg_parse(&cfg, name, text, &errs), -EINVAL);
	EXPECT_INT_EQ(errs.total, 20);
	EXPECT_INT_EQ(errs.n, CFG_MAX_ERRORS);
	for (i = 0; i < errs.n; i++) {
		EXPECT_INT_EQ(strnlen(errs.msg[i], CFG_ERR_LEN), CFG_ERR_LEN - 1);
		EXPECT_TRUE(!strncmp(errs.msg[i], name, CFG_ERR_LEN - 1));
	}
	/* a name that leaves room for part of the message */
	name[CFG_ERR_LEN - 10] = '\0';
	EXPECT_INT_EQ(mq_daemon_cfg_parse(&cfg, name, "[daemon]\nwindow_s = 0\n",
					  &errs), -EINVAL);
	EXPECT_INT_EQ(errs.n, 1);
	EXPECT_TRUE(!strcmp(errs.msg[0] + CFG_ERR_LEN - 10, ":2: [daem"));
	free(name);
}

static void observe_subtrees(void)
{
	struct mq_daemon_cfg cfg;
	struct mq_cfg_errors errs;

	mq_daemon_cfg_defaults(&cfg);
	EXPECT_INT_EQ(cfg.kube_observe, KUBE_OBSERVE_AUTO);
	EXPECT_INT_EQ(mq_daemon_cfg_observed(&cfg, "/kubepods.slice"), -1);
	EXPECT_INT_EQ(load("[classify]\n"
			   "observe = /kubepods.slice\n"
			   "observe = /machine.slice/*.scope\n"
			   "kube_observe = no\n",
			   &cfg, &errs), 0);
	EXPECT_INT_EQ(cfg.n_observe, 2);
	EXPECT_INT_EQ(cfg.kube_observe, KUBE_OBSERVE_NO);
	/* the glob's cgroup and its whole subtree */
	EXPECT_INT_EQ(mq_daemon_cfg_observed(&cfg, "/kubepods.slice"), 0);
	EXPECT_INT_EQ(mq_daemon_cfg_observed(&cfg,
		      "/kubepods.slice/kubepods-pod1.slice/cri-x.scope"), 0);
	EXPECT_INT_EQ(mq_daemon_cfg_observed(&cfg, "/kubepods"), -1);
	EXPECT_INT_EQ(mq_daemon_cfg_observed(&cfg, "/kubepods.slicex"), -1);
	EXPECT_INT_EQ(mq_daemon_cfg_observed(&cfg, "/machine.slice"), -1);
	EXPECT_INT_EQ(mq_daemon_cfg_observed(&cfg,
		      "/machine.slice/libpod-1.scope/container"), 1);
	EXPECT_INT_EQ(mq_daemon_cfg_observed(&cfg, "/system.slice"), -1);
	EXPECT_INT_EQ(load("[classify]\nkube_observe = yes\n", &cfg, &errs),
		      0);
	EXPECT_INT_EQ(cfg.kube_observe, KUBE_OBSERVE_YES);
	EXPECT_INT_EQ(load("[classify]\nkube_observe = auto\n", &cfg, &errs),
		      0);
	EXPECT_INT_EQ(cfg.kube_observe, KUBE_OBSERVE_AUTO);
}

static void observe_errors(void)
{
	struct mq_daemon_cfg cfg;
	struct mq_cfg_errors errs;
	char text[CFG_MAX_OBSERVE * 16 + 512];
	size_t len;
	int i;

	EXPECT_INT_EQ(load("[classify]\n"
			   "observe = kubepods.slice\n"
			   "kube_observe = sometimes\n"
			   "[daemon]\n"
			   "observe = /a\n",
			   &cfg, &errs), -EINVAL);
	EXPECT_INT_EQ(errs.total, 3);
	EXPECT_STR_EQ(msg(&errs, 0),
		      "F:2: [classify] observe: 'kubepods.slice' must start with '/' (a path from the cgroup2 root)");
	EXPECT_STR_EQ(msg(&errs, 1),
		      "F:3: [classify] kube_observe: 'sometimes' is not auto, yes or no");
	EXPECT_STR_EQ(msg(&errs, 2), "F:5: [daemon] unknown key 'observe'");
	len = snprintf(text, sizeof(text), "[classify]\n");
	for (i = 0; i <= CFG_MAX_OBSERVE; i++)
		len += snprintf(text + len, sizeof(text) - len,
				"observe = /o%d\n", i);
	EXPECT_INT_EQ(load(text, &cfg, &errs), -EINVAL);
	EXPECT_INT_EQ(errs.total, 1);
	EXPECT_STR_EQ(msg(&errs, 0), "F:34: [classify] more than 32 observe lines");
}

static void missing_file(void)
{
	struct mq_daemon_cfg cfg;
	struct mq_cfg_errors errs;

	EXPECT_INT_EQ(mq_daemon_cfg_load(&cfg, "/nonexistent/memqos.conf", &errs),
		      -ENOENT);
	EXPECT_STR_EQ(errs.msg[0],
		      "/nonexistent/memqos.conf: No such file or directory");
}

/*
 * Every commented-out key of the shipped example, uncommented, gives the
 * built-in defaults (the rule examples aside): the file documents them.
 */
static void example_shows_defaults(const char *path)
{
	struct mq_daemon_cfg cfg, def;
	struct mq_cfg_errors errs;
	char line[512], *text;
	size_t len = 0, cap = 1 << 16;
	FILE *fp = fopen(path, "re");
	unsigned int keys = 0;

	text = calloc(1, cap);
	EXPECT_TRUE(fp && text);
	if (!fp || !text) {
		free(text);
		if (fp)
			fclose(fp);
		return;
	}
	while (fgets(line, sizeof(line), fp)) {
		const char *l = line;

		if (line[0] == ';' && strncmp(line, ";rule", 5) &&
		    strncmp(line, ";observe", 8) &&
		    strstr(line, " = ")) {
			l = line + 1;
			keys++;
		}
		if (len + strlen(l) < cap) {
			memcpy(text + len, l, strlen(l));
			len += strlen(l);
		}
	}
	fclose(fp);
	EXPECT_INT_EQ(mq_daemon_cfg_parse(&cfg, "example", text, &errs), 0);
	mq_daemon_cfg_defaults(&def);
	EXPECT_TRUE(keys > 30);
	EXPECT_TRUE(!memcmp(&cfg, &def, sizeof(cfg)));
	free(text);
}

/* run-unit lives in tests/unit/, whatever the working directory */
static void shipped_example_parses(void)
{
	char conf[PATH_MAX + 32];
	struct mq_daemon_cfg cfg;
	struct mq_cfg_errors errs;
	ssize_t n = readlink("/proc/self/exe", conf, PATH_MAX);
	unsigned int i;
	int ret;

	EXPECT_TRUE(n > 0);
	if (n <= 0)
		return;
	conf[n] = '\0';
	strcpy(strrchr(conf, '/'), "/../../user/dist/memqos.conf");
	ret = mq_daemon_cfg_load(&cfg, conf, &errs);
	for (i = 0; i < errs.n; i++)
		printf("# %s\n", errs.msg[i]);
	EXPECT_INT_EQ(ret, 0);
	EXPECT_INT_EQ(cfg.n_tiers, 3);
	example_shows_defaults(conf);
}

static const struct unit_test tests[] = {
	UNIT_TEST(defaults_three_tiers),
	UNIT_TEST(empty_file_is_defaults),
	UNIT_TEST(full_config),
	UNIT_TEST(errors_name_file_and_line),
	UNIT_TEST(errors_in_references),
	UNIT_TEST(errors_cross_checks),
	UNIT_TEST(long_line_is_an_error),
	UNIT_TEST(many_errors_are_counted),
	UNIT_TEST(long_name_many_errors),
	UNIT_TEST(observe_subtrees),
	UNIT_TEST(observe_errors),
	UNIT_TEST(missing_file),
	UNIT_TEST(shipped_example_parses),
};
UNIT_SUITE(daemon_config_suite, "daemon_config", tests);
