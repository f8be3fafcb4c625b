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

#include "cgfs.h"
#include "cgroup_arg.h"
#include "classify.h"
#include "cmd.h"
#include "daemon_config.h"

struct tier_ctx {
	struct memqos_ctx *ctx;
	struct daemon_cfg cfg;
	struct cgfs fs;
	struct print_ctx pc;
	bool all;
	/* the cgroup an id names, found by walking */
	uint64_t want_id;
	char found[PATH_MAX];
};

static int load_cfg(struct tier_ctx *t, const char *path)
{
	struct cfg_errors *errs = malloc(sizeof(*errs));
	unsigned int i;
	int err;

	if (!errs)
		return MEMQOS_EXIT_ERROR;
	err = daemon_cfg_load(&t->cfg, path ? path : CFG_DEFAULT_PATH, errs);
	if (err == -ENOENT && !path) {
		daemon_cfg_defaults(&t->cfg);
		err = 0;
	}
	for (i = 0; err && i < errs->n; i++)
		cmd_error(t->ctx, "%s", errs->msg[i]);
	free(errs);
	return err ? MEMQOS_EXIT_USAGE : MEMQOS_EXIT_OK;
}

static int find_id(const char *rel, const struct stat *st, void *data)
{
	struct tier_ctx *t = data;

	if (st->st_ino != t->want_id)
		return 0;
	snprintf(t->found, sizeof(t->found), "%s", rel);
	return 1;
}

/* CGROUP argument -> path from the cgroup2 root, into t->found. */
static int resolve(struct tier_ctx *t, const char *arg)
{
	struct cgroup_arg *cg = malloc(sizeof(*cg));
	char *mountinfo = cgroup_arg_read_mountinfo();
	char dir[PATH_MAX];
	struct stat st;
	int err;

	err = cg ? cgroup_arg_parse(arg, mountinfo, cg) : -ENOMEM;
	free(mountinfo);
	if (err) {
		free(cg);
		return cmd_usage_error(t->ctx, "invalid cgroup '%s'", arg);
	}
	t->found[0] = '\0';
	if (cg->id) {
		t->want_id = cg->id;
		cgfs_walk(&t->fs, find_id, t);
	} else {
		snprintf(t->found, sizeof(t->found), "%s", cg->path);
	}
	free(cg);
	if (!t->found[0] ||
	    cgfs_path(&t->fs, t->found, NULL, dir, sizeof(dir)) ||
	    stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		fflush(stdout);
		fprintf(stderr, "memqos: no such cgroup: %s\n", arg);
		return MEMQOS_EXIT_NOTFOUND;
	}
	return MEMQOS_EXIT_OK;
}

static int xattr_error(struct tier_ctx *t, const char *dir, int err)
{
	if (err == -ENOTSUP || err == -EOPNOTSUPP)
		cmd_error(t->ctx, "%s: this cgroupfs stores no user xattrs (Linux 5.7 or later)",
			  dir);
	else
		cmd_error(t->ctx, "%s: %s: %s", dir, t->cfg.tier_xattr,
			  strerror(-err));
	return MEMQOS_EXIT_ERROR;
}

static int tier_set(struct tier_ctx *t, const char *arg, const char *tier)
{
	char dir[PATH_MAX];
	int ret, err;

	if (tier && strcmp(tier, "none") &&
	    daemon_cfg_tier(&t->cfg, tier) == CFG_NO_TIER) {
		char names[CFG_MAX_TIERS * (CFG_NAME_LEN + 2)] = "";
		size_t i;

		for (i = 0; i < t->cfg.n_tiers; i++) {
			strcat(names, t->cfg.tiers[i].name);
			strcat(names, ", ");
		}
		return cmd_usage_error(t->ctx, "unknown tier '%s' (%snone)",
				       tier, names);
	}
	ret = resolve(t, arg);
	if (ret)
		return ret;
	if (!strcmp(t->found, "/"))
		return cmd_usage_error(t->ctx, "the root cgroup has no tier");
	cgfs_path(&t->fs, t->found, NULL, dir, sizeof(dir));
	err = tier ? cgfs_set_xattr(dir, t->cfg.tier_xattr, tier) :
		     cgfs_remove_xattr(dir, t->cfg.tier_xattr);
	if (err == -ENODATA)
		err = 0;		/* unset what was not set */
	return err ? xattr_error(t, dir, err) : MEMQOS_EXIT_OK;
}

/* Classify one cgroup; false if it has no tier and all are not wanted. */
static bool show(struct tier_ctx *t, const char *rel, uint64_t id)
{
	char dir[PATH_MAX], val[CFG_NAME_LEN + 1], src[CFG_GLOB_LEN + 32];
	struct tier_result r;
	int err = -ENODATA;

	if (strcmp(rel, "/") &&
	    !cgfs_path(&t->fs, rel, NULL, dir, sizeof(dir)))
		err = cgfs_get_xattr(dir, t->cfg.tier_xattr, val, sizeof(val));
	classify(&t->cfg, rel, !strcmp(rel, "/") ? "none" :
		 err == -ERANGE ? "" : err ? NULL : val, &r);
	if (r.tier == CFG_NO_TIER && !t->all)
		return false;

	switch (!strcmp(rel, "/") ? -1 : (int)r.reason) {
	case -1:
		snprintf(src, sizeof(src), "root, never managed");
		break;
	case REASON_KUBE:
		snprintf(src, sizeof(src), "kubernetes %s", kube_qos_name(r.qos));
		break;
	case REASON_RULE:
		snprintf(src, sizeof(src), "rule %s", t->cfg.rules[r.rule].glob);
		break;
	case REASON_XATTR:
		snprintf(src, sizeof(src), "xattr %s", t->cfg.tier_xattr);
		break;
	default:
		snprintf(src, sizeof(src), "%s", tier_reason_name(r.reason));
	}
	print_obj_begin(&t->pc, NULL);
	print_str(&t->pc, "tier", "%-10s ", r.tier == CFG_NO_TIER ? "none" :
		  t->cfg.tiers[r.tier].name);
	print_str(&t->pc, "source", "%-36s ", src);
	print_str(&t->pc, "path", "%s", rel);
	print_u64(&t->pc, "id", NULL, id);
	print_str(&t->pc, "reason", NULL, tier_reason_name(r.reason));
	if (r.reason == REASON_KUBE)
		print_str(&t->pc, "qos_class", NULL, kube_qos_name(r.qos));
	if (r.reason == REASON_RULE)
		print_str(&t->pc, "rule", NULL, t->cfg.rules[r.rule].glob);
	if (r.bad_xattr) {
		print_str(&t->pc, "ignored_xattr",
			  "  (xattr \"%s\" ignored: no such tier)", val);
	}
	print_text(&t->pc, "\n");
	print_obj_end(&t->pc);
	return true;
}

static int list_one(const char *rel, const struct stat *st, void *data)
{
	show(data, rel, st->st_ino);
	return 0;
}

static int tier_list(struct tier_ctx *t)
{
	print_init(&t->pc, stdout, t->ctx->json, t->ctx->pretty);
	print_obj_begin(&t->pc, NULL);
	print_str(&t->pc, "xattr", NULL, t->cfg.tier_xattr);
	print_arr_begin(&t->pc, "cgroups");
	print_text(&t->pc, "%-10s %-36s %s\n", "TIER", "SOURCE", "PATH");
	cgfs_walk(&t->fs, list_one, t);
	print_arr_end(&t->pc);
	print_obj_end(&t->pc);
	return print_finish(&t->pc) ? MEMQOS_EXIT_ERROR : MEMQOS_EXIT_OK;
}

static int tier_get(struct tier_ctx *t, const char *arg)
{
	char dir[PATH_MAX];
	struct stat st;
	int ret = resolve(t, arg);

	if (ret)
		return ret;
	cgfs_path(&t->fs, t->found, NULL, dir, sizeof(dir));
	if (stat(dir, &st))
		return MEMQOS_EXIT_NOTFOUND;
	t->all = true;
	print_init(&t->pc, stdout, t->ctx->json, t->ctx->pretty);
	show(t, t->found, st.st_ino);
	return print_finish(&t->pc) ? MEMQOS_EXIT_ERROR : MEMQOS_EXIT_OK;
}

static int tier_run(struct memqos_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "all",	no_argument,		NULL, 'a' },
		CMD_COMMON_LONGOPTS,
		{ }
	};
	struct tier_ctx *t = calloc(1, sizeof(*t));
	const char *config = NULL, *verb;
	int opt, ret, nargs;

	if (!t)
		return MEMQOS_EXIT_ERROR;
	t->ctx = ctx;
	while ((opt = getopt_long(argc, argv, ":c:a" CMD_COMMON_SHORTOPTS,
				  opts, NULL)) != -1) {
		if (opt == 'c') {
			config = optarg;
			continue;
		}
		if (opt == 'a') {
			t->all = true;
			continue;
		}
		ret = cmd_common_opt(ctx, opt, argv);
		if (ret != CMD_CONTINUE)
			goto out;
	}
	argv += optind;
	nargs = argc - optind;
	if (!nargs) {
		ret = cmd_usage_error(ctx, "set, unset, get or list?");
		goto out;
	}
	verb = argv[0];
	if (!strcmp(verb, "list") ? nargs != 1 :
	    !strcmp(verb, "get") || !strcmp(verb, "unset") ? nargs != 2 :
	    !strcmp(verb, "set") ? nargs != 3 : 1) {
		if (strcmp(verb, "list") && strcmp(verb, "get") &&
		    strcmp(verb, "set") && strcmp(verb, "unset"))
			ret = cmd_usage_error(ctx, "unknown action '%s'", verb);
		else
			ret = cmd_usage_error(ctx, "wrong number of arguments for '%s'",
					      verb);
		goto out;
	}
	ret = load_cfg(t, config);
	if (ret)
		goto out;
	if (cgfs_open(&t->fs)) {
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
	else
		ret = tier_set(t, argv[1], NULL);
out:
	free(t);
	return ret;
}

const struct cmd cmd_tier = {
	.name		= "tier",
	.run		= tier_run,
	.summary	= "set or show QoS tiers of cgroups, and why",
	.synopsis	= "[-c FILE] {set CGROUP TIER | unset CGROUP | get CGROUP | list [-a]}",
	.description	=
		"set stores TIER (a tier of the configuration, or \"none\"\n"
		"to opt the cgroup out of every other source) in the\n"
		"user.memqos.tier xattr of the cgroup's cgroupfs directory,\n"
		"where 'memqos daemon' reads it on its next pass; unset\n"
		"removes it. memqos-oci-hook sets the same xattr from a\n"
		"container's annotation.\n"
		"\n"
		"get and list show the tier 'memqos daemon' gives a cgroup\n"
		"and its source, first match wins: the xattr, the Kubernetes\n"
		"QoS class of the pod it belongs to (Guaranteed, Burstable,\n"
		"BestEffort from the kubelet's kubepods hierarchy, systemd\n"
		"or cgroupfs driver), the first [classify] rule whose glob\n"
		"matches its path, the default. An xattr naming no tier is\n"
		"ignored and shown. list shows the cgroups that have a tier;\n"
		"with -a every cgroup.\n"
		"\n"
		"CGROUP is a cgroup id, a path from the cgroup2 root or a path\n"
		"under a cgroup2 mount. No module is needed.\n"
		"\n"
		"With --json, list prints {\"xattr\": NAME, \"cgroups\": [{\"tier\",\n"
		"\"source\", \"path\", \"id\", \"reason\", and \"qos_class\", \"rule\"\n"
		"or \"ignored_xattr\" where they apply}]}; get one such object.\n",
	.options	=
		"-c, --config FILE\n"
		"       The daemon's configuration, for tier names, rules and\n"
		"       the xattr name (default /etc/memqos/memqos.conf, or\n"
		"       the built-in defaults if it is absent).\n"
		"\n"
		"-a, --all\n"
		"       list: every cgroup, also those without a tier.\n",
};
