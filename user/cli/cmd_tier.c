// SPDX-License-Identifier: GPL-2.0
/*
 * memqos tier: set, clear or show the QoS tier of cgroups.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgfs.h"
#include "cgroup_arg.h"
#include "classify.h"
#include "cmd.h"
#include "daemon_config.h"

struct tier_ctx {
	struct memqos_ctx *ctx;
	struct mq_daemon_cfg cfg;
	struct mq_cgfs fs;
	struct mq_print_ctx pc;
	bool all;
	bool owner;		/* set, unset: the owner's tag */
	bool dry_run;		/* migrate */
	unsigned int failures;
	/* the cgroup an id names, found by walking */
	uint64_t want_id;
	char found[PATH_MAX];
};

static int load_cfg(struct tier_ctx *t, const char *path)
{
	struct mq_cfg_errors *errs = malloc(sizeof(*errs));
	unsigned int i;
	int err;

	if (!errs)
		return MEMQOS_EXIT_ERROR;
	err = mq_daemon_cfg_load(&t->cfg, path ? path : CFG_DEFAULT_PATH, errs);
	if (err == -ENOENT && !path) {
		mq_daemon_cfg_defaults(&t->cfg);
		err = 0;
	}
	for (i = 0; err && i < errs->n; i++)
		cmd_error(t->ctx, "%s", errs->msg[i]);
	free(errs);
	return err ? MEMQOS_EXIT_USAGE : MEMQOS_EXIT_OK;
}

static int find_id(const struct mq_cgfs_node *n, void *data)
{
	struct tier_ctx *t = data;

	if (n->st.st_ino != t->want_id)
		return 0;
	snprintf(t->found, sizeof(t->found), "%s", n->rel);
	return 1;
}

/* CGROUP argument -> path from the cgroup2 root, into t->found. */
static int resolve(struct tier_ctx *t, const char *arg)
{
	struct mq_cgroup_arg *cg = malloc(sizeof(*cg));
	char *mountinfo = mq_cgroup_arg_read_mountinfo();
	char dir[PATH_MAX];
	struct stat st;
	int err;

	err = cg ? mq_cgroup_arg_parse(arg, mountinfo, cg) : -ENOMEM;
	free(mountinfo);
	if (err) {
		free(cg);
		return cmd_usage_error(t->ctx, "invalid cgroup '%s'", arg);
	}
	t->found[0] = '\0';
	if (cg->id) {
		t->want_id = cg->id;
		mq_cgfs_walk(&t->fs, find_id, t);
	} else {
		snprintf(t->found, sizeof(t->found), "%s", cg->path);
	}
	free(cg);
	if (!t->found[0] ||
	    mq_cgfs_path(&t->fs, t->found, NULL, dir, sizeof(dir)) ||
	    stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		fflush(stdout);
		fprintf(stderr, "memqos: no such cgroup: %s\n", arg);
		return MEMQOS_EXIT_NOTFOUND;
	}
	return MEMQOS_EXIT_OK;
}

static int xattr_error(struct tier_ctx *t, const char *dir, const char *name,
		       int err)
{
	if (err == -EPERM && !t->owner)
		cmd_error(t->ctx, "%s: setting %s needs CAP_SYS_ADMIN (trusted.* xattrs are root's); a cgroup's owner may lower its tier with --owner",
			  dir, name);
	else if (err == -ENOTSUP || err == -EOPNOTSUPP)
		cmd_error(t->ctx, "%s: this cgroupfs stores no %s xattrs (user.* since Linux 5.7)",
			  dir, t->owner ? "user" : "trusted");
	else
		cmd_error(t->ctx, "%s: %s: %s", dir, name, strerror(-err));
	return MEMQOS_EXIT_ERROR;
}

/* A cgroup's tier as the daemon sees it, and both tags it read. */
struct shown {
	struct mq_tier_result r;
	const char *tag, *owner_tag;
	char tag_buf[CFG_NAME_LEN + 1], owner_buf[CFG_NAME_LEN + 1];
};

static void classify_node(struct tier_ctx *t, const struct mq_cgfs_node *n,
			  struct shown *s)
{
	struct mq_classify_in in = { n->rel, NULL, NULL, n->root_depth };
	int fd;

	if (!strcmp(n->rel, "/")) {
		/* the root is never managed */
		in.tag = "none";
		s->tag = s->owner_tag = NULL;
		mq_classify(&t->cfg, &in, &s->r);
		return;
	}
	fd = mq_cgfs_cg_open(&t->fs, n->rel, n->st.st_ino);
	s->tag = mq_cgfs_read_tag(fd, t->cfg.tier_xattr, s->tag_buf,
				  sizeof(s->tag_buf));
	s->owner_tag = mq_cgfs_read_tag(fd, t->cfg.owner_tier_xattr,
					s->owner_buf, sizeof(s->owner_buf));
	if (fd >= 0)
		close(fd);
	in.tag = s->tag;
	in.owner_tag = s->owner_tag;
	mq_classify(&t->cfg, &in, &s->r);
}

static const char *const verdicts[] = {
	[OWNER_UNSET] = "unset",
	[OWNER_LOWERED] = "lowered",
	[OWNER_SAME] = "same",
	[OWNER_RAISE] = "ignored",
	[OWNER_UNKNOWN] = "ignored",
};

/*
 * Whether the daemon writes nothing under @rel: an observe glob, or
 * kubepods beside the kubelet's Memory QoS; "" if it writes.
 */
static void observe_text(const struct tier_ctx *t, const char *rel,
			 char *buf, size_t len)
{
	int o = mq_daemon_cfg_observed(&t->cfg, rel);
	bool kube = mq_classify_kube(rel) != KUBE_NONE ||
		    mq_classify_kubepods(rel);

	if (o >= 0)
		snprintf(buf, len, "observe %s", t->cfg.observe[o]);
	else if (kube && t->cfg.kube_observe == KUBE_OBSERVE_YES)
		snprintf(buf, len, "kube_observe = yes");
	else if (kube && t->cfg.kube_observe == KUBE_OBSERVE_AUTO)
		snprintf(buf, len,
			 "while the kubelet's Memory QoS is on, kube_observe = auto");
	else
		buf[0] = '\0';
}

/* Classify one cgroup; false if it has no tier and all are not wanted. */
static bool show(struct tier_ctx *t, const struct mq_cgfs_node *n)
{
	char src[CFG_GLOB_LEN + 128], text[CFG_NAME_LEN + 192];
	char obs[CFG_GLOB_LEN + 64];
	bool root = !strcmp(n->rel, "/");
	const struct mq_tier_result *r;
	struct shown s;

	classify_node(t, n, &s);
	r = &s.r;
	/* an owner's tag ignored is worth a line even without a tier */
	if (r->tier == CFG_NO_TIER && !t->all &&
	    r->owner != OWNER_RAISE && r->untrusted_qos == KUBE_NONE)
		return false;
	if (root)
		snprintf(src, sizeof(src), "root, never managed");
	else
		mq_classify_source_text(&t->cfg, r, src, sizeof(src));
	mq_print_obj_begin(&t->pc, NULL);
	mq_print_str(&t->pc, "tier", "%-10s ", mq_tier_name(&t->cfg, r->tier));
	mq_print_str(&t->pc, "source", "%-36s ", src);
	mq_print_str(&t->pc, "path", "%s", n->rel);
	mq_print_u64(&t->pc, "id", NULL, n->st.st_ino);
	mq_print_str(&t->pc, "reason", NULL, mq_tier_reason_name(r->reason));
	mq_print_str(&t->pc, "granted", NULL, mq_tier_name(&t->cfg, r->granted));
	mq_print_str(&t->pc, "granted_reason", NULL,
		     mq_tier_reason_name(r->granted_reason));
	if (r->granted_reason == REASON_KUBE)
		mq_print_str(&t->pc, "qos_class", NULL, mq_kube_qos_name(r->qos));
	if (r->granted_reason == REASON_RULE)
		mq_print_str(&t->pc, "rule", NULL, t->cfg.rules[r->rule].glob);
	if (r->bad_xattr)
		mq_print_str(&t->pc, "ignored_xattr",
			     "  (%s ignored: no such tier)",
			     s.tag);
	if (r->untrusted_qos != KUBE_NONE)
		mq_print_str(&t->pc, "untrusted_qos_class",
			     "  (laid out as a %s pod, in a subtree root does not own: not trusted)",
			     mq_kube_qos_name(r->untrusted_qos));
	observe_text(t, n->rel, obs, sizeof(obs));
	if (*obs && !root)
		mq_print_str(&t->pc, "observe_only",
			     "  (observe-only %s: measured and advised, never written)",
			     obs);
	if (r->owner != OWNER_UNSET) {
		mq_print_str(&t->pc, "owner_tag", NULL, s.owner_tag);
		mq_print_str(&t->pc, "owner_tag_effect", NULL,
			     verdicts[r->owner]);
		mq_classify_owner_text(&t->cfg, r, s.owner_tag, text,
				       sizeof(text));
		/* the source says it where it lowered the tier */
		mq_print_str(&t->pc, "owner_tag_why",
			     r->owner == OWNER_LOWERED ? NULL : "  (%s)", text);
	}
	mq_print_text(&t->pc, "\n");
	mq_print_obj_end(&t->pc);
	return true;
}

static int list_one(const struct mq_cgfs_node *n, void *data)
{
	show(data, n);
	return 0;
}

static void warn_unprivileged(struct tier_ctx *t)
{
	if (!mq_cgfs_trusted_ok())
		fprintf(stderr, "memqos: without CAP_SYS_ADMIN root's tags (%s) cannot be read; the tiers they set are not shown\n",
			t->cfg.tier_xattr);
}

static int tier_list(struct tier_ctx *t)
{
	warn_unprivileged(t);
	mq_print_init(&t->pc, stdout, t->ctx->json, t->ctx->pretty);
	mq_print_obj_begin(&t->pc, NULL);
	mq_print_str(&t->pc, "xattr", NULL, t->cfg.tier_xattr);
	mq_print_str(&t->pc, "owner_xattr", NULL, t->cfg.owner_tier_xattr);
	mq_print_arr_begin(&t->pc, "cgroups");
	mq_print_text(&t->pc, "%-10s %-36s %s\n", "TIER", "SOURCE", "PATH");
	mq_cgfs_walk(&t->fs, list_one, t);
	mq_print_arr_end(&t->pc);
	mq_print_obj_end(&t->pc);
	return mq_print_finish(&t->pc) ? MEMQOS_EXIT_ERROR : MEMQOS_EXIT_OK;
}

static int tier_get(struct tier_ctx *t, const char *arg)
{
	struct mq_cgfs_node n;
	int ret = resolve(t, arg);

	if (ret)
		return ret;
	if (mq_cgfs_node_at(&t->fs, t->found, &n))
		return MEMQOS_EXIT_NOTFOUND;
	warn_unprivileged(t);
	t->all = true;
	mq_print_init(&t->pc, stdout, t->ctx->json, t->ctx->pretty);
	show(t, &n);
	return mq_print_finish(&t->pc) ? MEMQOS_EXIT_ERROR : MEMQOS_EXIT_OK;
}

static int tier_set(struct tier_ctx *t, const char *arg, const char *tier)
{
	const char *name = t->owner ? t->cfg.owner_tier_xattr :
			   t->cfg.tier_xattr;
	char dir[PATH_MAX], text[CFG_NAME_LEN + 192];
	struct mq_cgfs_node n;
	struct shown s;
	int ret, err;

	if (tier && strcmp(tier, "none") &&
	    mq_daemon_cfg_tier(&t->cfg, tier) == CFG_NO_TIER) {
		char names[CFG_MAX_TIERS * (CFG_NAME_LEN + 2)] = "";
		size_t i;

		for (i = 0; i < t->cfg.n_tiers; i++) {
			strcat(names, t->cfg.tiers[i].name);
			strcat(names, ", ");
		}
		return cmd_usage_error(t->ctx, "unknown tier '%s' (%snone)",
				       tier, names);
	}
	if (t->owner && !*name)
		return cmd_usage_error(t->ctx, "owner_tier_xattr = off: owners' tags are not read");
	ret = resolve(t, arg);
	if (ret)
		return ret;
	if (!strcmp(t->found, "/"))
		return cmd_usage_error(t->ctx, "the root cgroup has no tier");
	mq_cgfs_path(&t->fs, t->found, NULL, dir, sizeof(dir));
	err = tier ? mq_cgfs_set_xattr(dir, name, tier) :
		     mq_cgfs_remove_xattr(dir, name);
	if (err == -ENODATA)
		err = 0;		/* unset what was not set */
	if (err)
		return xattr_error(t, dir, name, err);
	/* what it comes to: the other tag may decide */
	if (mq_cgfs_node_at(&t->fs, t->found, &n))
		return MEMQOS_EXIT_OK;
	classify_node(t, &n, &s);
	if (s.r.owner == OWNER_LOWERED && !t->owner) {
		mq_classify_owner_text(&t->cfg, &s.r, s.owner_tag, text,
				       sizeof(text));
		fprintf(stderr, "memqos: note: %s: %s, to %s\n", t->found, text,
			mq_tier_name(&t->cfg, s.r.tier));
	} else if (t->owner && tier &&
		   (s.r.owner == OWNER_RAISE || s.r.owner == OWNER_UNKNOWN)) {
		mq_classify_owner_text(&t->cfg, &s.r, s.owner_tag, text,
				       sizeof(text));
		fprintf(stderr, "memqos: note: %s: %s\n", t->found, text);
	}
	return MEMQOS_EXIT_OK;
}

/*
 * Owners' tags only root could have set become root's: those on a
 * directory root owns and no one else may write (user.* xattrs need
 * write permission on it), tags that name a tier, where root has none.
 */
static int migrate_one(const struct mq_cgfs_node *n, void *data)
{
	struct tier_ctx *t = data;
	char dir[PATH_MAX];
	struct shown s;
	int err;

	if (!strcmp(n->rel, "/"))
		return 0;
	classify_node(t, n, &s);
	if (!s.owner_tag)
		return 0;
	if (s.tag) {
		printf("kept %s: %s=%s (root's %s=%s decides what it may lower)\n",
		       n->rel, t->cfg.owner_tier_xattr, s.owner_tag,
		       t->cfg.tier_xattr, s.tag);
		return 0;
	}
	if (n->st.st_uid || (n->st.st_mode & (S_IWGRP | S_IWOTH))) {
		printf("kept %s: %s=%s (uid %u may write its directory: an owner's tag, it can only lower the tier)\n",
		       n->rel, t->cfg.owner_tier_xattr, s.owner_tag,
		       (unsigned int)n->st.st_uid);
		return 0;
	}
	if (s.r.owner == OWNER_UNKNOWN) {
		printf("kept %s: %s=%s (no such tier)\n", n->rel,
		       t->cfg.owner_tier_xattr, s.owner_tag);
		return 0;
	}
	if (t->dry_run) {
		printf("would migrate %s: %s=%s -> %s\n", n->rel,
		       t->cfg.owner_tier_xattr, s.owner_tag, t->cfg.tier_xattr);
		return 0;
	}
	/* root's tag first: a failure in between leaves both, not none */
	mq_cgfs_path(&t->fs, n->rel, NULL, dir, sizeof(dir));
	err = mq_cgfs_set_xattr(dir, t->cfg.tier_xattr, s.owner_tag);
	if (!err) {
		err = mq_cgfs_remove_xattr(dir, t->cfg.owner_tier_xattr);
		if (err == -ENODATA)
			err = 0;
	}
	if (err) {
		xattr_error(t, dir, t->cfg.tier_xattr, err);
		t->failures++;
		return 0;
	}
	printf("migrated %s: %s=%s -> %s\n", n->rel, t->cfg.owner_tier_xattr,
	       s.owner_tag, t->cfg.tier_xattr);
	return 0;
}

static int tier_migrate(struct tier_ctx *t)
{
	if (!*t->cfg.owner_tier_xattr)
		return cmd_usage_error(t->ctx, "owner_tier_xattr = off: no owners' tags to migrate");
	if (!mq_cgfs_trusted_ok())
		return cmd_usage_error(t->ctx, "migrate writes %s: it needs CAP_SYS_ADMIN",
				       t->cfg.tier_xattr);
	mq_cgfs_walk(&t->fs, migrate_one, t);
	return t->failures ? MEMQOS_EXIT_ERROR : MEMQOS_EXIT_OK;
}

static int tier_run(struct memqos_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "all",	no_argument,		NULL, 'a' },
		{ "owner",	no_argument,		NULL, 'o' },
		{ "dry-run",	no_argument,		NULL, 'n' },
		CMD_COMMON_LONGOPTS,
		{ }
	};
	static const struct {
		const char *verb;
		int nargs;
		bool owner, dry_run, all;	/* options it takes */
	} verbs[] = {
		{ "set", 3, true, false, false },
		{ "unset", 2, true, false, false },
		{ "get", 2, false, false, false },
		{ "list", 1, false, false, true },
		{ "migrate", 1, false, true, false },
	};
	struct tier_ctx *t = calloc(1, sizeof(*t));
	const char *config = NULL, *verb;
	int opt, ret, nargs;
	size_t v;

	if (!t)
		return MEMQOS_EXIT_ERROR;
	t->ctx = ctx;
	while ((opt = getopt_long(argc, argv, ":c:aon" CMD_COMMON_SHORTOPTS,
				  opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			continue;
		case 'a':
			t->all = true;
			continue;
		case 'o':
			t->owner = true;
			continue;
		case 'n':
			t->dry_run = true;
			continue;
		}
		ret = cmd_common_opt(ctx, opt, argv);
		if (ret != CMD_CONTINUE)
			goto out;
	}
	argv += optind;
	nargs = argc - optind;
	if (!nargs) {
		ret = cmd_usage_error(ctx, "set, unset, get, list or migrate?");
		goto out;
	}
	verb = argv[0];
	for (v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		if (!strcmp(verb, verbs[v].verb))
			break;
	if (v == sizeof(verbs) / sizeof(verbs[0])) {
		ret = cmd_usage_error(ctx, "unknown action '%s'", verb);
		goto out;
	}
	if (nargs != verbs[v].nargs) {
		ret = cmd_usage_error(ctx, "wrong number of arguments for '%s'",
				      verb);
		goto out;
	}
	if ((t->owner && !verbs[v].owner) ||
	    (t->dry_run && !verbs[v].dry_run) || (t->all && !verbs[v].all)) {
		ret = cmd_usage_error(ctx, "%s takes no %s", verb,
				      t->owner && !verbs[v].owner ? "--owner" :
				      t->dry_run && !verbs[v].dry_run ?
				      "--dry-run" : "--all");
		goto out;
	}
	ret = load_cfg(t, config);
	if (ret)
		goto out;
	if (mq_cgfs_open(&t->fs)) {
		cmd_error(ctx, "no cgroup2 mount found");
		ret = MEMQOS_EXIT_ERROR;
		goto out;
	}
	if (!strcmp(verb, "list"))
		ret = tier_list(t);
	else if (!strcmp(verb, "get"))
		ret = tier_get(t, argv[1]);
	else if (!strcmp(verb, "set"))
		ret = tier_set(t, argv[1], argv[2]);
	else if (!strcmp(verb, "unset"))
		ret = tier_set(t, argv[1], NULL);
	else
		ret = tier_migrate(t);
out:
	free(t);
	return ret;
}

const struct cmd cmd_tier = {
	.name		= "tier",
	.run		= tier_run,
	.summary	= "set or show QoS tiers of cgroups, and why",
	.synopsis	= "[-c FILE] {set [-o] CGROUP TIER | unset [-o] CGROUP | get CGROUP | list [-a] | migrate [-n]}",
	.description	=
		"A cgroup's tier is what the trusted sources grant, first\n"
		"match wins: root's tag, the trusted.memqos.tier xattr of its\n"
		"cgroupfs directory (only CAP_SYS_ADMIN can set trusted.*\n"
		"xattrs; \"none\" opts it out of every other source); the\n"
		"Kubernetes QoS class of the pod it belongs to (Guaranteed,\n"
		"Burstable, BestEffort from the kubelet's kubepods hierarchy,\n"
		"systemd or cgroupfs driver), where root owns every cgroup\n"
		"down to the pod's; the first [classify] rule whose glob\n"
		"matches its path; the default. Then the owner's tag, the\n"
		"user.memqos.tier xattr, which whoever may write the\n"
		"directory can set (a tenant of a delegated subtree, rootless\n"
		"podman), may lower that tier, never raise it: critical\n"
		"(memory.min) > standard (memory.low) > none (never touched)\n"
		"> batch (squeezed), by what each tier's action does. A tag\n"
		"naming no tier is ignored, and so is a pod's layout in a\n"
		"subtree root does not own.\n"
		"\n"
		"set stores TIER (a tier of the configuration, or \"none\")\n"
		"in root's tag, where 'memqos daemon' reads it on its next\n"
		"pass; unset removes it. With --owner they write the owner's\n"
		"tag instead, which needs no privilege beyond the\n"
		"directory's. memqos-oci-hook sets root's tag from a\n"
		"container's annotation, for the tiers annotation_tiers\n"
		"allows.\n"
		"\n"
		"get and list show the tier 'memqos daemon' gives a cgroup,\n"
		"the source it trusted, and what an owner's tag asked for\n"
		"and why it was ignored. list shows the cgroups that have a\n"
		"tier, an ignored tag or an untrusted pod layout; with -a\n"
		"every cgroup. Without CAP_SYS_ADMIN root's tags cannot be\n"
		"read, and a warning says so.\n"
		"\n"
		"Migration: memqos up to 0.1.0 trusted user.memqos.tier as\n"
		"root's tag. Such tags still count, as owners'\n"
		"tags, which only lower a tier; 'memqos daemon' logs each one\n"
		"it now ignores. migrate makes root's tag of every owner's\n"
		"tag only root could have set (on a directory root owns and\n"
		"no one else may write) where root has none, and removes the\n"
		"owner's; -n shows what it would do. Tags of delegated\n"
		"cgroups are kept as owners' tags.\n"
		"\n"
		"CGROUP is a cgroup id, a path from the cgroup2 root or a path\n"
		"under a cgroup2 mount. No module is needed.\n"
		"\n"
		"With --json, list prints {\"xattr\": NAME, \"owner_xattr\": NAME,\n"
		"\"cgroups\": [{\"tier\", \"source\", \"path\", \"id\", \"reason\",\n"
		"\"granted\", \"granted_reason\", and \"qos_class\", \"rule\",\n"
		"\"ignored_xattr\", \"untrusted_qos_class\", \"owner_tag\",\n"
		"\"owner_tag_effect\" (lowered, same or ignored) and\n"
		"\"owner_tag_why\" where they apply}]}; get one such object.\n",
	.options	=
		"-c, --config FILE\n"
		"       The daemon's configuration, for tier names, rules and\n"
		"       the xattr names (default /etc/memqos/memqos.conf, or\n"
		"       the built-in defaults if it is absent).\n"
		"\n"
		"-o, --owner\n"
		"       set, unset: the owner's tag, not root's.\n"
		"\n"
		"-a, --all\n"
		"       list: every cgroup, also those without a tier.\n"
		"\n"
		"-n, --dry-run\n"
		"       migrate: print what it would do, change nothing.\n",
};
