// SPDX-License-Identifier: GPL-2.0
/*
 * user/classify.c: tier resolution order and the kubelet's layouts.
 */
#include <string.h>

#include "classify.h"
#include "unit.h"

#define SD_BURST "/kubepods.slice/kubepods-burstable.slice/" \
		 "kubepods-burstable-pod1a2b_3c.slice"
#define SD_BE	 "/kubepods.slice/kubepods-besteffort.slice/" \
		 "kubepods-besteffort-pod9f.slice"
#define SD_GUAR	 "/kubepods.slice/kubepods-pod77aa.slice"

static void kube_systemd_driver(void)
{
	EXPECT_INT_EQ(classify_kube(SD_GUAR), KUBE_GUARANTEED);
	EXPECT_INT_EQ(classify_kube(SD_GUAR "/cri-containerd-abc.scope"),
		      KUBE_GUARANTEED);
	EXPECT_INT_EQ(classify_kube(SD_BURST), KUBE_BURSTABLE);
	EXPECT_INT_EQ(classify_kube(SD_BURST "/cri-containerd-0123.scope"),
		      KUBE_BURSTABLE);
	EXPECT_INT_EQ(classify_kube(SD_BURST "/crio-0123.scope"),
		      KUBE_BURSTABLE);
	EXPECT_INT_EQ(classify_kube(SD_BE "/docker-4567.scope"),
		      KUBE_BESTEFFORT);
}

static void kube_qos_levels_are_no_pod(void)
{
	EXPECT_INT_EQ(classify_kube("/kubepods.slice"), KUBE_NONE);
	EXPECT_INT_EQ(classify_kube("/kubepods.slice/kubepods-burstable.slice"),
		      KUBE_NONE);
	EXPECT_INT_EQ(classify_kube("/kubepods.slice/kubepods-besteffort.slice"),
		      KUBE_NONE);
	EXPECT_INT_EQ(classify_kube("/kubepods"), KUBE_NONE);
	EXPECT_INT_EQ(classify_kube("/kubepods/burstable"), KUBE_NONE);
	/* "pod" with no uid, and a stray slice under a QoS level */
	EXPECT_INT_EQ(classify_kube("/kubepods.slice/kubepods-pod.slice"),
		      KUBE_NONE);
	EXPECT_INT_EQ(classify_kube("/kubepods.slice/kubepods-burstable.slice/x.slice"),
		      KUBE_NONE);
	/* a burstable pod's slice name under the besteffort level */
	EXPECT_INT_EQ(classify_kube("/kubepods.slice/kubepods-besteffort.slice/"
				    "kubepods-burstable-pod1.slice"),
		      KUBE_NONE);
}

static void kube_cgroupfs_driver(void)
{
	EXPECT_INT_EQ(classify_kube("/kubepods/pod1234"), KUBE_GUARANTEED);
	EXPECT_INT_EQ(classify_kube("/kubepods/pod1234/0123abcd"),
		      KUBE_GUARANTEED);
	EXPECT_INT_EQ(classify_kube("/kubepods/burstable/pod55/cafe"),
		      KUBE_BURSTABLE);
	EXPECT_INT_EQ(classify_kube("/kubepods/besteffort/pod66/beef"),
		      KUBE_BESTEFFORT);
	EXPECT_INT_EQ(classify_kube("/kubepods/guaranteed/pod66"), KUBE_NONE);
}

static void kube_elsewhere(void)
{
	/* kubelet --cgroup-root, both drivers */
	EXPECT_INT_EQ(classify_kube("/kubelet.slice/kubelet-kubepods.slice/"
				    "kubelet-kubepods-burstable.slice/"
				    "kubelet-kubepods-burstable-podab.slice"),
		      KUBE_BURSTABLE);
	EXPECT_INT_EQ(classify_kube("/kubelet.slice/kubelet-kubepods.slice/"
				    "kubelet-kubepods-podab.slice/x.scope"),
		      KUBE_GUARANTEED);
	EXPECT_INT_EQ(classify_kube("/custom/kubepods/besteffort/pod1"),
		      KUBE_BESTEFFORT);
	EXPECT_INT_EQ(classify_kube("/system.slice/kubelet.service"),
		      KUBE_NONE);
	EXPECT_INT_EQ(classify_kube("/"), KUBE_NONE);
	EXPECT_INT_EQ(classify_kube(""), KUBE_NONE);
}

static void config(struct daemon_cfg *cfg)
{
	daemon_cfg_defaults(cfg);
	strcpy(cfg->rules[0].glob, "/system.slice/docker-*.scope");
	cfg->rules[0].tier = 1;
	strcpy(cfg->rules[1].glob, "/system.slice/*");
	cfg->rules[1].tier = 2;
	strcpy(cfg->rules[2].glob, "/machine.slice/libpod-*.scope");
	cfg->rules[2].tier = 0;
	cfg->n_rules = 3;
}

static void order_xattr_first(void)
{
	struct daemon_cfg cfg;
	struct tier_result r;

	config(&cfg);
	classify(&cfg, SD_BURST, "critical", &r);
	EXPECT_INT_EQ(r.tier, 0);
	EXPECT_INT_EQ(r.reason, REASON_XATTR);
	classify(&cfg, "/system.slice/docker-1.scope", "batch", &r);
	EXPECT_INT_EQ(r.tier, 2);
	EXPECT_INT_EQ(r.reason, REASON_XATTR);
	/* "none" opts out whatever else would match */
	classify(&cfg, SD_GUAR, "none", &r);
	EXPECT_INT_EQ(r.tier, CFG_NO_TIER);
	EXPECT_INT_EQ(r.reason, REASON_XATTR);
	EXPECT_TRUE(!r.bad_xattr);
}

static void bad_xattr_falls_through(void)
{
	struct daemon_cfg cfg;
	struct tier_result r;

	config(&cfg);
	classify(&cfg, SD_GUAR, "platinum", &r);
	EXPECT_INT_EQ(r.tier, 0);
	EXPECT_INT_EQ(r.reason, REASON_KUBE);
	EXPECT_TRUE(r.bad_xattr);
	classify(&cfg, "/elsewhere", "", &r);
	EXPECT_INT_EQ(r.tier, CFG_NO_TIER);
	EXPECT_INT_EQ(r.reason, REASON_NONE);
	EXPECT_TRUE(r.bad_xattr);
}

static void order_kube_then_rules(void)
{
	struct daemon_cfg cfg;
	struct tier_result r;

	config(&cfg);
	classify(&cfg, SD_BE, NULL, &r);
	EXPECT_INT_EQ(r.tier, 2);
	EXPECT_INT_EQ(r.reason, REASON_KUBE);
	EXPECT_INT_EQ(r.qos, KUBE_BESTEFFORT);
	EXPECT_STR_EQ(kube_qos_name(r.qos), "BestEffort");
	/* a kubepods path matching a rule still goes by QoS class */
	strcpy(cfg.rules[3].glob, "/kubepods.slice/*/*");
	cfg.rules[3].tier = 1;
	cfg.n_rules = 4;
	classify(&cfg, SD_BE, NULL, &r);
	EXPECT_INT_EQ(r.reason, REASON_KUBE);
	/* kubernetes = no: rules decide */
	cfg.kubernetes = false;
	classify(&cfg, SD_BE, NULL, &r);
	EXPECT_INT_EQ(r.reason, REASON_RULE);
	EXPECT_INT_EQ(r.rule, 3);
	EXPECT_INT_EQ(r.tier, 1);
}

static void rules_first_match_and_pathname(void)
{
	struct daemon_cfg cfg;
	struct tier_result r;

	config(&cfg);
	classify(&cfg, "/system.slice/docker-abc.scope", NULL, &r);
	EXPECT_INT_EQ(r.reason, REASON_RULE);
	EXPECT_INT_EQ(r.rule, 0);
	EXPECT_INT_EQ(r.tier, 1);
	classify(&cfg, "/system.slice/cron.service", NULL, &r);
	EXPECT_INT_EQ(r.rule, 1);
	EXPECT_INT_EQ(r.tier, 2);
	/* '*' does not cross '/' */
	classify(&cfg, "/system.slice/cron.service/child", NULL, &r);
	EXPECT_INT_EQ(r.reason, REASON_NONE);
	EXPECT_INT_EQ(r.tier, CFG_NO_TIER);
	classify(&cfg, "/machine.slice/libpod-1.scope", NULL, &r);
	EXPECT_INT_EQ(r.tier, 0);
	EXPECT_STR_EQ(tier_reason_name(r.reason), "rule");
}

static void default_last(void)
{
	struct daemon_cfg cfg;
	struct tier_result r;

	config(&cfg);
	cfg.default_tier = 1;
	classify(&cfg, "/user.slice", NULL, &r);
	EXPECT_INT_EQ(r.tier, 1);
	EXPECT_INT_EQ(r.reason, REASON_DEFAULT);
	classify(&cfg, "/system.slice/a.service", NULL, &r);
	EXPECT_INT_EQ(r.reason, REASON_RULE);
	/* a kube class mapped to none is a decision, not a fall-through */
	cfg.kube_tier[KUBE_GUARANTEED] = CFG_NO_TIER;
	classify(&cfg, SD_GUAR, NULL, &r);
	EXPECT_INT_EQ(r.tier, CFG_NO_TIER);
	EXPECT_INT_EQ(r.reason, REASON_KUBE);
}

static const struct unit_test tests[] = {
	UNIT_TEST(kube_systemd_driver),
	UNIT_TEST(kube_qos_levels_are_no_pod),
	UNIT_TEST(kube_cgroupfs_driver),
	UNIT_TEST(kube_elsewhere),
	UNIT_TEST(order_xattr_first),
	UNIT_TEST(bad_xattr_falls_through),
	UNIT_TEST(order_kube_then_rules),
	UNIT_TEST(rules_first_match_and_pathname),
	UNIT_TEST(default_last),
};
UNIT_SUITE(classify_suite, "classify", tests);
