// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/mq_classify.c: tier resolution order, the kubelet's layouts, and
 * what a cgroup's owner may and may not change.
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
	EXPECT_INT_EQ(mq_classify_kube(SD_GUAR), KUBE_GUARANTEED);
	EXPECT_INT_EQ(mq_classify_kube(SD_GUAR "/cri-containerd-abc.scope"),
		      KUBE_GUARANTEED);
	EXPECT_INT_EQ(mq_classify_kube(SD_BURST), KUBE_BURSTABLE);
	EXPECT_INT_EQ(mq_classify_kube(SD_BURST "/cri-containerd-0123.scope"),
		      KUBE_BURSTABLE);
	EXPECT_INT_EQ(mq_classify_kube(SD_BURST "/crio-0123.scope"),
		      KUBE_BURSTABLE);
	EXPECT_INT_EQ(mq_classify_kube(SD_BE "/docker-4567.scope"),
		      KUBE_BESTEFFORT);
}

static void kube_qos_levels_are_no_pod(void)
{
	EXPECT_INT_EQ(mq_classify_kube("/kubepods.slice"), KUBE_NONE);
	EXPECT_INT_EQ(mq_classify_kube("/kubepods.slice/kubepods-burstable.slice"),
		      KUBE_NONE);
	EXPECT_INT_EQ(mq_classify_kube("/kubepods.slice/kubepods-besteffort.slice"),
		      KUBE_NONE);
	EXPECT_INT_EQ(mq_classify_kube("/kubepods"), KUBE_NONE);
	EXPECT_INT_EQ(mq_classify_kube("/kubepods/burstable"), KUBE_NONE);
	/* "pod" with no uid, and a stray slice under a QoS level */
	EXPECT_INT_EQ(mq_classify_kube("/kubepods.slice/kubepods-pod.slice"),
		      KUBE_NONE);
	EXPECT_INT_EQ(mq_classify_kube("/kubepods.slice/kubepods-burstable.slice/x.slice"),
		      KUBE_NONE);
	/* a burstable pod's slice name under the besteffort level */
	EXPECT_INT_EQ(mq_classify_kube("/kubepods.slice/kubepods-besteffort.slice/"
				       "kubepods-burstable-pod1.slice"),
		      KUBE_NONE);
}

static void kube_cgroupfs_driver(void)
{
	EXPECT_INT_EQ(mq_classify_kube("/kubepods/pod1234"), KUBE_GUARANTEED);
	EXPECT_INT_EQ(mq_classify_kube("/kubepods/pod1234/0123abcd"),
		      KUBE_GUARANTEED);
	EXPECT_INT_EQ(mq_classify_kube("/kubepods/burstable/pod55/cafe"),
		      KUBE_BURSTABLE);
	EXPECT_INT_EQ(mq_classify_kube("/kubepods/besteffort/pod66/beef"),
		      KUBE_BESTEFFORT);
	EXPECT_INT_EQ(mq_classify_kube("/kubepods/guaranteed/pod66"), KUBE_NONE);
}

static void kube_elsewhere(void)
{
	/* kubelet --cgroup-root, both drivers */
	EXPECT_INT_EQ(mq_classify_kube("/kubelet.slice/kubelet-kubepods.slice/"
				       "kubelet-kubepods-burstable.slice/"
				       "kubelet-kubepods-burstable-podab.slice"),
		      KUBE_BURSTABLE);
	EXPECT_INT_EQ(mq_classify_kube("/kubelet.slice/kubelet-kubepods.slice/"
				       "kubelet-kubepods-podab.slice/x.scope"),
		      KUBE_GUARANTEED);
	EXPECT_INT_EQ(mq_classify_kube("/custom/kubepods/besteffort/pod1"),
		      KUBE_BESTEFFORT);
	EXPECT_INT_EQ(mq_classify_kube("/system.slice/kubelet.service"),
		      KUBE_NONE);
	EXPECT_INT_EQ(mq_classify_kube("/"), KUBE_NONE);
	EXPECT_INT_EQ(mq_classify_kube(""), KUBE_NONE);
}

static void config(struct mq_daemon_cfg *cfg)
{
	mq_daemon_cfg_defaults(cfg);
	strcpy(cfg->rules[0].glob, "/system.slice/docker-*.scope");
	cfg->rules[0].tier = 1;
	strcpy(cfg->rules[1].glob, "/system.slice/*");
	cfg->rules[1].tier = 2;
	strcpy(cfg->rules[2].glob, "/machine.slice/libpod-*.scope");
	cfg->rules[2].tier = 0;
	cfg->n_rules = 3;
}

/* @path whose root's tag is @tag, no owner's tag, all cgroups root's. */
static void cls(const struct mq_daemon_cfg *cfg, const char *path,
		const char *tag, struct mq_tier_result *r)
{
	struct mq_classify_in in = { path, tag, NULL, -1 };

	mq_classify(cfg, &in, r);
}

/* @path with the owner's tag @owner, root owning @root_depth levels. */
static void cls_owner(const struct mq_daemon_cfg *cfg, const char *path,
		      const char *owner, int root_depth,
		      struct mq_tier_result *r)
{
	struct mq_classify_in in = { path, NULL, owner, root_depth };

	mq_classify(cfg, &in, r);
}

static void order_xattr_first(void)
{
	struct mq_daemon_cfg cfg;
	struct mq_tier_result r;

	config(&cfg);
	cls(&cfg, SD_BURST, "critical", &r);
	EXPECT_INT_EQ(r.tier, 0);
	EXPECT_INT_EQ(r.reason, REASON_XATTR);
	cls(&cfg, "/system.slice/docker-1.scope", "batch", &r);
	EXPECT_INT_EQ(r.tier, 2);
	EXPECT_INT_EQ(r.reason, REASON_XATTR);
	/* "none" opts out whatever else would match */
	cls(&cfg, SD_GUAR, "none", &r);
	EXPECT_INT_EQ(r.tier, CFG_NO_TIER);
	EXPECT_INT_EQ(r.reason, REASON_XATTR);
	EXPECT_TRUE(!r.bad_xattr);
}

static void bad_xattr_falls_through(void)
{
	struct mq_daemon_cfg cfg;
	struct mq_tier_result r;

	config(&cfg);
	cls(&cfg, SD_GUAR, "platinum", &r);
	EXPECT_INT_EQ(r.tier, 0);
	EXPECT_INT_EQ(r.reason, REASON_KUBE);
	EXPECT_TRUE(r.bad_xattr);
	cls(&cfg, "/elsewhere", "", &r);
	EXPECT_INT_EQ(r.tier, CFG_NO_TIER);
	EXPECT_INT_EQ(r.reason, REASON_NONE);
	EXPECT_TRUE(r.bad_xattr);
}

static void order_kube_then_rules(void)
{
	struct mq_daemon_cfg cfg;
	struct mq_tier_result r;

	config(&cfg);
	cls(&cfg, SD_BE, NULL, &r);
	EXPECT_INT_EQ(r.tier, 2);
	EXPECT_INT_EQ(r.reason, REASON_KUBE);
	EXPECT_INT_EQ(r.qos, KUBE_BESTEFFORT);
	EXPECT_STR_EQ(mq_kube_qos_name(r.qos), "BestEffort");
	/* a kubepods path matching a rule still goes by QoS class */
	strcpy(cfg.rules[3].glob, "/kubepods.slice/*/*");
	cfg.rules[3].tier = 1;
	cfg.n_rules = 4;
	cls(&cfg, SD_BE, NULL, &r);
	EXPECT_INT_EQ(r.reason, REASON_KUBE);
	/* kubernetes = no: rules decide */
	cfg.kubernetes = false;
	cls(&cfg, SD_BE, NULL, &r);
	EXPECT_INT_EQ(r.reason, REASON_RULE);
	EXPECT_INT_EQ(r.rule, 3);
	EXPECT_INT_EQ(r.tier, 1);
}

static void rules_first_match_and_pathname(void)
{
	struct mq_daemon_cfg cfg;
	struct mq_tier_result r;

	config(&cfg);
	cls(&cfg, "/system.slice/docker-abc.scope", NULL, &r);
	EXPECT_INT_EQ(r.reason, REASON_RULE);
	EXPECT_INT_EQ(r.rule, 0);
	EXPECT_INT_EQ(r.tier, 1);
	cls(&cfg, "/system.slice/cron.service", NULL, &r);
	EXPECT_INT_EQ(r.rule, 1);
	EXPECT_INT_EQ(r.tier, 2);
	/* '*' does not cross '/' */
	cls(&cfg, "/system.slice/cron.service/child", NULL, &r);
	EXPECT_INT_EQ(r.reason, REASON_NONE);
	EXPECT_INT_EQ(r.tier, CFG_NO_TIER);
	cls(&cfg, "/machine.slice/libpod-1.scope", NULL, &r);
	EXPECT_INT_EQ(r.tier, 0);
	EXPECT_STR_EQ(mq_tier_reason_name(r.reason), "rule");
}

static void default_last(void)
{
	struct mq_daemon_cfg cfg;
	struct mq_tier_result r;

	config(&cfg);
	cfg.default_tier = 1;
	cls(&cfg, "/user.slice", NULL, &r);
	EXPECT_INT_EQ(r.tier, 1);
	EXPECT_INT_EQ(r.reason, REASON_DEFAULT);
	cls(&cfg, "/system.slice/a.service", NULL, &r);
	EXPECT_INT_EQ(r.reason, REASON_RULE);
	/* a kube class mapped to none is a decision, not a fall-through */
	cfg.kube_tier[KUBE_GUARANTEED] = CFG_NO_TIER;
	cls(&cfg, SD_GUAR, NULL, &r);
	EXPECT_INT_EQ(r.tier, CFG_NO_TIER);
	EXPECT_INT_EQ(r.reason, REASON_KUBE);
}

static void kube_pod_depth(void)
{
	int d = -1;

	EXPECT_INT_EQ(mq_classify_kube_depth(SD_GUAR "/x.scope", &d),
		      KUBE_GUARANTEED);
	EXPECT_INT_EQ(d, 2);
	EXPECT_INT_EQ(mq_classify_kube_depth(SD_BURST "/x.scope", &d),
		      KUBE_BURSTABLE);
	EXPECT_INT_EQ(d, 3);
	EXPECT_INT_EQ(mq_classify_kube_depth("/a/kubepods/pod1/c", &d),
		      KUBE_GUARANTEED);
	EXPECT_INT_EQ(d, 3);
	EXPECT_INT_EQ(mq_classify_kube_depth("/kubepods/besteffort/pod2", &d),
		      KUBE_BESTEFFORT);
	EXPECT_INT_EQ(d, 3);
	EXPECT_INT_EQ(mq_classify_kube_depth("/kubepods/burstable", &d),
		      KUBE_NONE);
	EXPECT_INT_EQ(d, 0);
}

/*
 * A pod's class is trusted only if root owns the cgroups down to the
 * pod's: a tenant may lay out "kubepods/pod1" in its own subtree.
 */
static void kube_only_where_root_owns(void)
{
	struct mq_daemon_cfg cfg;
	struct mq_tier_result r;

	config(&cfg);
	cls_owner(&cfg, SD_GUAR "/c.scope", NULL, 2, &r);
	EXPECT_INT_EQ(r.tier, 0);
	EXPECT_INT_EQ(r.reason, REASON_KUBE);
	EXPECT_INT_EQ(r.untrusted_qos, KUBE_NONE);
	cls_owner(&cfg, SD_GUAR "/c.scope", NULL, 1, &r);
	EXPECT_INT_EQ(r.tier, CFG_NO_TIER);
	EXPECT_INT_EQ(r.reason, REASON_NONE);
	EXPECT_INT_EQ(r.untrusted_qos, KUBE_GUARANTEED);
	/* then the other sources decide */
	cfg.default_tier = 2;
	cls_owner(&cfg, "/user.slice/u/kubepods/pod1", NULL, 2, &r);
	EXPECT_INT_EQ(r.tier, 2);
	EXPECT_INT_EQ(r.reason, REASON_DEFAULT);
	EXPECT_INT_EQ(r.untrusted_qos, KUBE_GUARANTEED);
	cfg.default_tier = CFG_NO_TIER;
	/* the root's tag is root's wherever the cgroup is */
	{
		struct mq_classify_in in = { "/t/kubepods/pod1", "critical", NULL,
					  0 };

		mq_classify(&cfg, &in, &r);
		EXPECT_INT_EQ(r.tier, 0);
		EXPECT_INT_EQ(r.reason, REASON_XATTR);
	}
}

static void owner_lowers_never_raises(void)
{
	struct mq_daemon_cfg cfg;
	struct mq_tier_result r;
	const char *std = "/system.slice/docker-1.scope";	/* standard */

	config(&cfg);
	cls_owner(&cfg, std, "batch", 1, &r);
	EXPECT_INT_EQ(r.tier, 2);
	EXPECT_INT_EQ(r.reason, REASON_OWNER);
	EXPECT_INT_EQ(r.granted, 1);
	EXPECT_INT_EQ(r.granted_reason, REASON_RULE);
	EXPECT_INT_EQ(r.owner, OWNER_LOWERED);
	cls_owner(&cfg, std, "none", 1, &r);
	EXPECT_INT_EQ(r.tier, CFG_NO_TIER);
	EXPECT_INT_EQ(r.owner, OWNER_LOWERED);
	cls_owner(&cfg, std, "critical", 1, &r);
	EXPECT_INT_EQ(r.tier, 1);
	EXPECT_INT_EQ(r.reason, REASON_RULE);
	EXPECT_INT_EQ(r.owner, OWNER_RAISE);
	EXPECT_INT_EQ(r.owner_tier, 0);
	cls_owner(&cfg, std, "standard", 1, &r);
	EXPECT_INT_EQ(r.tier, 1);
	EXPECT_INT_EQ(r.owner, OWNER_SAME);
	cls_owner(&cfg, std, "gold", 1, &r);
	EXPECT_INT_EQ(r.tier, 1);
	EXPECT_INT_EQ(r.owner, OWNER_UNKNOWN);

	/* nothing granted: it may ask to be squeezed, nothing more */
	cls_owner(&cfg, "/t/x", "critical", 0, &r);
	EXPECT_INT_EQ(r.tier, CFG_NO_TIER);
	EXPECT_INT_EQ(r.owner, OWNER_RAISE);
	cls_owner(&cfg, "/t/x", "batch", 0, &r);
	EXPECT_INT_EQ(r.tier, 2);
	EXPECT_INT_EQ(r.reason, REASON_OWNER);
	cls_owner(&cfg, "/t/x", "none", 0, &r);
	EXPECT_INT_EQ(r.owner, OWNER_SAME);

	/* batch granted: opting out would escape the squeeze */
	cls_owner(&cfg, "/system.slice/cron.service", "none", 1, &r);
	EXPECT_INT_EQ(r.tier, 2);
	EXPECT_INT_EQ(r.owner, OWNER_RAISE);

	/* the owner's tag caps root's too */
	{
		struct mq_classify_in in = { "/t/x", "critical", "standard", 0 };

		mq_classify(&cfg, &in, &r);
		EXPECT_INT_EQ(r.tier, 1);
		EXPECT_INT_EQ(r.reason, REASON_OWNER);
		EXPECT_INT_EQ(r.granted_reason, REASON_XATTR);
	}
}

/* Tiers rank by what their action does; equal actions do not rank. */
static void ranks_by_action(void)
{
	struct mq_daemon_cfg cfg;

	config(&cfg);
	cfg.tiers[3] = cfg.tiers[0];
	strcpy(cfg.tiers[3].name, "gold");
	cfg.tiers[3].priority = 5;
	cfg.n_tiers = 4;
	EXPECT_TRUE(mq_tier_at_most(&cfg, 1, 0));
	EXPECT_TRUE(mq_tier_at_most(&cfg, CFG_NO_TIER, 1));
	EXPECT_TRUE(mq_tier_at_most(&cfg, 2, CFG_NO_TIER));
	EXPECT_TRUE(mq_tier_at_most(&cfg, 3, 3));
	EXPECT_TRUE(!mq_tier_at_most(&cfg, 0, 1));
	EXPECT_TRUE(!mq_tier_at_most(&cfg, CFG_NO_TIER, 2));
	EXPECT_TRUE(!mq_tier_at_most(&cfg, 3, 0));
	EXPECT_TRUE(!mq_tier_at_most(&cfg, 0, 3));
	/* a tier's action decides, not its name */
	cfg.tiers[1].action = TIER_MIN;
	EXPECT_TRUE(!mq_tier_at_most(&cfg, 1, 0));
}

static void owner_texts(void)
{
	static const struct {
		const char *path, *tag;
		int root_depth;
		const char *text;
	} cases[] = {
		{ "/t/x", "critical", 0, "user.memqos.tier \"critical\" ignored: a cgroup's owner may lower its tier (none), never raise it" },
		{ "/t/x", "batch", 0, "user.memqos.tier \"batch\" lowered it from none" },
		{ "/system.slice/a", "batch", 1, "user.memqos.tier \"batch\" asks for the tier granted" },
		{ "/system.slice/docker-1.scope", "none", 1, "user.memqos.tier \"none\" lowered it from standard" },
		{ "/t/x", "x", 0, "user.memqos.tier \"x\" ignored: no such tier" },
		{ "/t/x", NULL, 0, "" },
	};
	struct mq_daemon_cfg cfg;
	struct mq_tier_result r;
	char buf[256];
	size_t i;

	config(&cfg);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cls_owner(&cfg, cases[i].path, cases[i].tag,
			  cases[i].root_depth, &r);
		mq_classify_owner_text(&cfg, &r, cases[i].tag, buf,
				       sizeof(buf));
		EXPECT_STR_EQ(buf, cases[i].text);
	}
	EXPECT_STR_EQ(mq_tier_name(&cfg, CFG_NO_TIER), "none");
	EXPECT_STR_EQ(mq_tier_reason_name(REASON_OWNER), "owner");
}

static void source_texts(void)
{
	struct mq_classify_in in = { "/system.slice/docker-1.scope", NULL,
				  "batch", -1 };
	struct mq_daemon_cfg cfg;
	struct mq_tier_result r;
	char buf[CFG_GLOB_LEN + 128];

	config(&cfg);
	mq_classify(&cfg, &in, &r);
	mq_classify_source_text(&cfg, &r, buf, sizeof(buf));
	EXPECT_STR_EQ(buf, "owner user.memqos.tier, below standard of rule /system.slice/docker-*.scope");
	in.tag = "critical";
	in.owner_tag = NULL;
	mq_classify(&cfg, &in, &r);
	mq_classify_source_text(&cfg, &r, buf, sizeof(buf));
	EXPECT_STR_EQ(buf, "xattr trusted.memqos.tier");
	in.tag = NULL;
	in.path = SD_GUAR;
	mq_classify(&cfg, &in, &r);
	mq_classify_source_text(&cfg, &r, buf, sizeof(buf));
	EXPECT_STR_EQ(buf, "kubernetes Guaranteed");
	in.path = "/t";
	mq_classify(&cfg, &in, &r);
	mq_classify_source_text(&cfg, &r, buf, sizeof(buf));
	EXPECT_STR_EQ(buf, "none");
}

static void kubepods_roots(void)
{
	EXPECT_TRUE(mq_classify_kubepods("/kubepods"));
	EXPECT_TRUE(mq_classify_kubepods("/kubepods.slice"));
	EXPECT_TRUE(mq_classify_kubepods("/node.slice/node-kubepods.slice"));
	EXPECT_TRUE(!mq_classify_kubepods(SD_BURST));
	EXPECT_TRUE(!mq_classify_kubepods("/kubepods.slice/kubepods-burstable.slice"));
	EXPECT_TRUE(!mq_classify_kubepods("/kubepods/burstable"));
	EXPECT_TRUE(!mq_classify_kubepods("/-kubepods.slicex"));
	EXPECT_TRUE(!mq_classify_kubepods("/"));
}

static const struct unit_test tests[] = {
	UNIT_TEST(kubepods_roots),
	UNIT_TEST(kube_systemd_driver),
	UNIT_TEST(kube_qos_levels_are_no_pod),
	UNIT_TEST(kube_cgroupfs_driver),
	UNIT_TEST(kube_elsewhere),
	UNIT_TEST(order_xattr_first),
	UNIT_TEST(bad_xattr_falls_through),
	UNIT_TEST(order_kube_then_rules),
	UNIT_TEST(rules_first_match_and_pathname),
	UNIT_TEST(default_last),
	UNIT_TEST(kube_pod_depth),
	UNIT_TEST(kube_only_where_root_owns),
	UNIT_TEST(owner_lowers_never_raises),
	UNIT_TEST(ranks_by_action),
	UNIT_TEST(owner_texts),
	UNIT_TEST(source_texts),
};
UNIT_SUITE(classify_suite, "classify", tests);
