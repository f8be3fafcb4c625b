// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/cgident.c: pod, QoS class, container and unit from a path.
 */
#include "cgident.h"
#include "unit.h"

#define UID	"0f2b1c3d-4e5f-6789-abcd-ef0123456789"
#define UID_	"0f2b1c3d_4e5f_6789_abcd_ef0123456789"
#define CID	"4b825dc642cb6eb9a060e54bf8d69288" \
		"fbee4904aabbccddeeff001122334455"

static void expect(const char *path, const char *uid, const char *qos,
		   const char *cid, const char *unit)
{
	struct mq_cg_ident id;

	mq_cg_ident_parse(path, &id);
	EXPECT_STR_EQ(id.pod_uid, uid);
	EXPECT_STR_EQ(id.qos_class, qos);
	EXPECT_STR_EQ(id.container_id, cid);
	EXPECT_STR_EQ(id.unit, unit);
}

static void kubepods_systemd(void)
{
	expect("/kubepods.slice/kubepods-burstable.slice/"
	       "kubepods-burstable-pod" UID_ ".slice/cri-containerd-" CID
	       ".scope", UID, "Burstable", CID, "");
	expect("/kubepods.slice/kubepods-besteffort.slice/"
	       "kubepods-besteffort-pod" UID_ ".slice/crio-" CID ".scope",
	       UID, "BestEffort", CID, "");
	/* the pod itself, and the QoS level */
	expect("/kubepods.slice/kubepods-burstable.slice/"
	       "kubepods-burstable-pod" UID_ ".slice", UID, "Burstable", "",
	       "");
	/* the QoS levels are no pod, but they are systemd units */
	expect("/kubepods.slice/kubepods-burstable.slice", "", "", "",
	       "kubepods-burstable.slice");
	expect("/kubepods.slice", "", "", "", "kubepods.slice");
	expect("/kubepods/burstable", "", "", "", "");
}

static void kubepods_guaranteed(void)
{
	expect("/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-"
	       CID ".scope", UID, "Guaranteed", CID, "");
	expect("/kubepods/pod" UID "/" CID, UID, "Guaranteed", CID, "");
}

/* where the daemon finds pods, so do the labels: a kubelet --cgroup-root */
static void kubepods_deeper(void)
{
	expect("/k8s.slice/k8s-kubepods.slice/k8s-kubepods-besteffort.slice/"
	       "k8s-kubepods-besteffort-pod" UID_ ".slice/crio-" CID ".scope",
	       UID, "BestEffort", CID, "");
	expect("/node/kubepods/pod" UID "/" CID, UID, "Guaranteed", CID, "");
}

static void kubepods_cgroupfs(void)
{
	expect("/kubepods/burstable/pod" UID "/" CID, UID, "Burstable", CID,
	       "");
	expect("kubepods/besteffort/pod" UID, UID, "BestEffort", "", "");
	/* the pause container is a container too */
	expect("/kubepods/besteffort/pod" UID "/abc123", UID, "BestEffort",
	       "abc123", "");
}

static void runtime_scopes(void)
{
	expect("/machine.slice/libpod-" CID ".scope", "", "", CID, "");
	expect("/machine.slice/libpod-" CID ".scope/container", "", "", CID,
	       "");
	expect("/system.slice/docker-" CID ".scope", "", "", CID, "");
	expect("/system.slice/crio-" CID ".scope", "", "", CID, "");
	expect("/system.slice/cri-containerd-" CID ".scope", "", "", CID, "");
	/* conmon runs beside the container, it is not it */
	expect("/machine.slice/libpod-conmon-" CID ".scope", "", "", "",
	       "libpod-conmon-" CID ".scope");
}

static void systemd_units(void)
{
	expect("/system.slice/nginx.service", "", "", "", "nginx.service");
	expect("/user.slice/user-1000.slice/session-3.scope", "", "", "",
	       "session-3.scope");
	expect("/system.slice", "", "", "", "system.slice");
	expect("/system.slice/nginx.service/worker", "", "", "",
	       "nginx.service");
	expect("/", "", "", "", "");
	expect("", "", "", "", "");
	expect("/batch/job1", "", "", "", "");
	expect("/.service", "", "", "", "");
}

static void refused_guesses(void)
{
	/* not a UID, not an ID: no label rather than a wrong one */
	expect("/kubepods/burstable/pod../x", "", "Burstable", "x", "");
	expect("/kubepods/burstable/podzz$z/x$", "", "Burstable", "", "");
	expect("/system.slice/docker-a.b.scope", "", "", "",
	       "docker-a.b.scope");
	expect("/kubepods/burstable/pod"
	       "0123456789012345678901234567890123456789/" CID, "",
	       "Burstable", CID, "");
}

static const struct unit_test tests[] = {
	UNIT_TEST(kubepods_systemd),
	UNIT_TEST(kubepods_guaranteed),
	UNIT_TEST(kubepods_cgroupfs),
	UNIT_TEST(kubepods_deeper),
	UNIT_TEST(runtime_scopes),
	UNIT_TEST(systemd_units),
	UNIT_TEST(refused_guesses),
};
UNIT_SUITE(cgident_suite, "cgident", tests);
