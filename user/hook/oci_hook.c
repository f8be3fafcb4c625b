// SPDX-License-Identifier: GPL-2.0
/*
 * memqos-oci-hook: an OCI runtime hook (createRuntime or poststart) that
 * tags a container's cgroup with the QoS tier its annotation asks for,
 * by setting root's tag, the trusted.memqos.tier xattr that 'memqos
 * daemon' reads (the hook runs as root; only CAP_SYS_ADMIN may set
 * trusted.* xattrs).
 *
 * stdin is the OCI state (id, pid, bundle, annotations). The annotation
 * (io.memqos.tier unless the configuration says otherwise) comes from the
 * state or, for runtimes that leave it out, from the bundle's
 * config.json. It is the wish of whoever created the container (under
 * CRI-O, of whoever may create pods): only the tiers annotation_tiers
 * lists are granted (by default standard, batch and none, not
 * critical). The cgroup is the one the container's pid is in; a path
 * with a . or .. component (the pid's cgroup outside the hook's cgroup
 * namespace) is refused, as is such a bundle path.
 *
 * A hook that fails stops the container, so this one never does: any
 * problem (malformed state, unknown tier, no cgroup) is logged to stderr
 * and syslog and the hook exits 0.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cgfs.h"
#include "daemon_config.h"

#define STATE_MAX	(1 << 20)

static const char *container = "?";
static const char *config_name = CFG_DEFAULT_PATH;

__attribute__((format(printf, 2, 3)))
static void hook_log(int prio, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "memqos-oci-hook: container %s: %s\n", container, msg);
	syslog(prio, "container %s: %s", container, msg);
}

/* stdin as a string to free(), NULL if unreadable or too large. */
static char *read_all(FILE *fp, size_t max)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *n;
	size_t got;

	while (buf) {
		got = fread(buf + len, 1, cap - len - 1, fp);
		len += got;
		if (got == 0)
			break;
		if (len + 1 == cap) {
			if (cap >= max) {
				free(buf);
				return NULL;
			}
			n = realloc(buf, cap * 2);
			if (!n)
				free(buf);
			buf = n;
			cap *= 2;
		}
	}
	if (!buf || ferror(fp)) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

static const char *get_str(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The annotation from the bundle's config.json; caller frees. */
static char *bundle_annotation(const char *bundle, const char *key)
{
	char path[PATH_MAX];
	struct json_object *cfg, *ann;
	const char *v;
	char *ret = NULL;

	/* an absolute path without . or .. components, like a cgroup's */
	if (!mq_cgfs_rel_ok(bundle)) {
		hook_log(LOG_WARNING, "bundle path \"%s\" is not absolute or has a . or .. component; not read",
			 bundle);
		return NULL;
	}
	if (snprintf(path, sizeof(path), "%s/config.json", bundle) >=
	    (int)sizeof(path))
		return NULL;
	cfg = json_object_from_file(path);
	if (!cfg) {
		hook_log(LOG_WARNING, "cannot read %s: %s", path,
			 json_util_get_last_err());
		return NULL;
	}
	if (json_object_object_get_ex(cfg, "annotations", &ann)) {
		v = get_str(ann, key);
		if (v)
			ret = strdup(v);
	}
	json_object_put(cfg);
	return ret;
}

/* The cgroup2 path of @pid, from /proc/PID/cgroup's "0::" line. */
static int pid_cgroup(long pid, char *buf, size_t len)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	FILE *fp;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%ld/cgroup", pid);
	fp = fopen(path, "re");
	if (!fp)
		return -errno;
	while (getline(&line, &cap, fp) > 0) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (strlen(line + 3) >= len) {
			ret = -ENAMETOOLONG;
			break;
		}
		strcpy(buf, line + 3);
		ret = 0;
		break;
	}
	free(line);
	fclose(fp);
	return ret;
}

static void tag(const struct mq_daemon_cfg *cfg, struct json_object *state)
{
	struct json_object *ann = NULL, *pid_obj;
	char rel[PATH_MAX] = "", dir[PATH_MAX];
	const char *tier, *bundle;
	char *from_bundle = NULL;
	struct mq_cgfs fs;
	long pid = 0;
	int err;

	container = get_str(state, "id") ? get_str(state, "id") : "?";
	json_object_object_get_ex(state, "annotations", &ann);
	tier = get_str(ann, cfg->annotation);
	bundle = get_str(state, "bundle");
	if (!tier && bundle) {
		from_bundle = bundle_annotation(bundle, cfg->annotation);
		tier = from_bundle;
	}
	if (!tier)
		goto out;		/* not asked for: nothing to do */
	if (strcmp(tier, "none") &&
	    mq_daemon_cfg_tier(cfg, tier) == CFG_NO_TIER) {
		hook_log(LOG_WARNING, "annotation %s=\"%s\" names no tier; cgroup not tagged",
			 cfg->annotation, tier);
		goto out;
	}
	if (!mq_daemon_cfg_annotation_ok(cfg, tier)) {
		hook_log(LOG_WARNING, "annotation %s=\"%s\": an annotation may not ask for that tier (annotation_tiers in %s); cgroup not tagged",
			 cfg->annotation, tier, config_name);
		goto out;
	}
	if (json_object_object_get_ex(state, "pid", &pid_obj) &&
	    json_object_is_type(pid_obj, json_type_int))
		pid = json_object_get_int64(pid_obj);
	if (pid <= 0) {
		hook_log(LOG_WARNING, "no pid in the state (use the createRuntime or poststart stage); cgroup not tagged");
		goto out;
	}
	err = pid_cgroup(pid, rel, sizeof(rel));
	if (!err && !mq_cgfs_rel_ok(rel)) {
		/* "/../x": outside this cgroup namespace, not under the mount */
		hook_log(LOG_WARNING, "the cgroup of pid %ld is \"%s\", which has a . or .. component (outside the hook's cgroup namespace); cgroup not tagged",
			 pid, rel);
		goto out;
	}
	if (!err)
		err = mq_cgfs_open(&fs);
	if (!err)
		err = mq_cgfs_path(&fs, rel, NULL, dir, sizeof(dir));
	if (!err)
		err = mq_cgfs_set_xattr(dir, cfg->tier_xattr, tier);
	if (err) {
		hook_log(LOG_WARNING, "cannot tag the cgroup of pid %ld (%s): %s%s",
			 pid, rel, strerror(-err), err == -EPERM ?
			 " (root's tag needs CAP_SYS_ADMIN: a rootless runtime's hook cannot set it)" :
			 "");
		goto out;
	}
	hook_log(LOG_INFO, "cgroup %s: %s=%s", rel, cfg->tier_xattr, tier);
out:
	free(from_bundle);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "annotation",	required_argument,	NULL, 'a' },
		{ }
	};
	const char *config = NULL, *annotation = NULL;
	struct mq_cfg_errors *errs = calloc(1, sizeof(*errs));
	struct mq_daemon_cfg *cfg = calloc(1, sizeof(*cfg));
	struct json_object *state = NULL;
	enum json_tokener_error jerr;
	char *text = NULL;
	int opt, err;

	openlog("memqos-oci-hook", LOG_PID, LOG_DAEMON);
	if (!errs || !cfg)
		goto out;
	while ((opt = getopt_long(argc, argv, "c:a:", opts, NULL)) != -1) {
		if (opt == 'c')
			config = optarg;
		else if (opt == 'a')
			annotation = optarg;
		else
			hook_log(LOG_WARNING, "unknown option ignored");
	}
	if (config)
		config_name = config;
	err = mq_daemon_cfg_load(cfg, config_name, errs);
	if (err == -ENOENT && !config) {
		mq_daemon_cfg_defaults(cfg);
	} else if (err) {
		hook_log(LOG_ERR, "%s; container not tagged", errs->msg[0]);
		goto out;
	}
	if (annotation)
		snprintf(cfg->annotation, sizeof(cfg->annotation), "%s",
			 annotation);

	text = read_all(stdin, STATE_MAX);
	if (!text) {
		hook_log(LOG_ERR, "cannot read the OCI state from stdin");
		goto out;
	}
	state = json_tokener_parse_verbose(text, &jerr);
	if (!state || !json_object_is_type(state, json_type_object)) {
		hook_log(LOG_ERR, "malformed OCI state on stdin: %s",
			 state ? "not an object" : json_tokener_error_desc(jerr));
		goto out;
	}
	tag(cfg, state);
out:
	json_object_put(state);
	free(text);
	free(cfg);
	free(errs);
	closelog();
	/* never block a container */
	return 0;
}
