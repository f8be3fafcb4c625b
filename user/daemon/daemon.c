// SPDX-License-Identifier: GPL-2.0
/*
 * memqos daemon: start, the lock and the state file, the restore on exit;
 * see daemon.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "daemon_priv.h"
#include "exporter.h"
#include "signal_fd.h"
#include "units.h"

__attribute__((format(printf, 3, 4)))
void dlog(struct daemon *d, int prio, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	fputs("memqos daemon: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (d->cfg.syslog) {
		va_start(ap, fmt);
		vsyslog(prio, fmt, ap);
		va_end(ap);
	}
}

uint64_t daemon_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *daemon_size_str(uint64_t v, char *buf)
{
	if (v == UINT64_MAX)
		return "max";
	return mq_units_format_bytes(buf, UNITS_BUF_SIZE, v);
}

int daemon_load_config(struct daemon *d, struct mq_daemon_cfg *cfg,
		       bool report)
{
	const char *path = d->o->config ? d->o->config : CFG_DEFAULT_PATH;
	struct mq_cfg_errors *errs = malloc(sizeof(*errs));
	unsigned int i;
	int err;

	if (!errs)
		return -ENOMEM;
	err = mq_daemon_cfg_load(cfg, path, errs);
	if (err == -ENOENT && !d->o->config) {
		mq_daemon_cfg_defaults(cfg);
		snprintf(d->cfg_name, sizeof(d->cfg_name),
			 "built-in defaults (%s absent)", path);
		free(errs);
		return 0;
	}
	if (err && report) {
		for (i = 0; i < errs->n; i++)
			dlog(d, LOG_ERR, "%s", errs->msg[i]);
		if (errs->total > errs->n)
			dlog(d, LOG_ERR, "... and %u more errors",
			     errs->total - errs->n);
	}
	if (!err)
		snprintf(d->cfg_name, sizeof(d->cfg_name), "%s", path);
	free(errs);
	return err;
}

/*
 * Every original back; entries that cannot be restored stay on disk, and
 * so do files yielded to another writer, which a daemon started again
 * must leave alone too.
 */
int daemon_restore_all(struct daemon *d, const char *why)
{
	unsigned int yielded = 0;
	size_t i = 0;
	int failed = 0, err;

	while (i < d->st.n) {
		err = daemon_restore_entry(d, &d->st.e[i], why);
		if (err) {
			failed += err < 0;
			yielded += err > 0;
			i++;
			continue;
		}
		if (d->o->dry_run)
			i++;
		else
			state_del(&d->st, i);
	}
	if (d->o->dry_run)
		return failed;
	if (!d->st.n) {
		if (unlink(d->state_path) && errno != ENOENT)
			dlog(d, LOG_ERR, "cannot remove %s: %s", d->state_path,
			     strerror(errno));
	} else {
		if (failed)
			dlog(d, LOG_ERR, "%d original values could not be restored; kept in %s",
			     failed, d->state_path);
		if (yielded)
			dlog(d, LOG_INFO, "%u files yielded to other writers, not restored; kept in %s so that the next start leaves them alone",
			     yielded, d->state_path);
		daemon_save_state(d);
	}
	return failed;
}

/*
 * The state directory, made if absent, only root's to write in, and its
 * lock taken: a second daemon (a --once or --restore while the service
 * runs) would write the state file over the first one's, and originals
 * one of them recorded would be lost. A dry run changes nothing, so it
 * takes no lock.
 */
static int lock_state(struct daemon *d)
{
	const char *dir = d->cfg.state_dir, *why;
	struct stat st;
	long holder;
	int fd;

	if (!d->o->dry_run && mkdir(dir, 0700) && errno != EEXIST) {
		dlog(d, LOG_ERR, "cannot create %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (lstat(dir, &st)) {
		if (errno == ENOENT && d->o->dry_run)
			return 0;	/* no state yet */
		dlog(d, LOG_ERR, "%s: %s", dir, strerror(errno));
		return -errno;
	}
	why = state_dir_unsafe(st.st_mode, st.st_uid, geteuid());
	if (why) {
		dlog(d, LOG_ERR, "state_dir %s: %s (uid %u, mode %04o); the original values of cgroup files go only where no one else can write",
		     dir, why, (unsigned int)st.st_uid,
		     (unsigned int)(st.st_mode & 07777));
		return -EPERM;
	}
	if (d->o->dry_run)
		return 0;
	fd = state_lock(dir, &holder);
	if (fd == -EWOULDBLOCK) {
		dlog(d, LOG_ERR, "already running (pid %ld holds %s/lock): one daemon per node; stop it first (systemctl stop memqos)",
		     holder, dir);
		return fd;
	}
	if (fd < 0) {
		dlog(d, LOG_ERR, "cannot lock %s/lock: %s", dir,
		     strerror(-fd));
		return fd;
	}
	d->lock_fd = fd;
	return 0;
}

static int open_state(struct daemon *d)
{
	char err[128] = "";
	int ret;

	snprintf(d->state_path, sizeof(d->state_path), "%s/state",
		 d->cfg.state_dir);
	ret = lock_state(d);
	if (ret)
		return ret;
	ret = state_load(&d->st, d->state_path, err, sizeof(err));
	if (ret) {
		dlog(d, LOG_ERR, "%s: %s; fix or remove it (it holds the original values of cgroup files a previous run changed)",
		     d->state_path, err);
		return ret;
	}
	if (d->st.n)
		dlog(d, LOG_INFO,
		     "%s: %zu original values from a previous run; reconciling",
		     d->state_path, d->st.n);
	return 0;
}

/* Where it writes nothing, said once at start. */
static void describe_observe(struct daemon *d)
{
	static const char *const kube[] = {
		[KUBE_OBSERVE_AUTO] = "observe-only once the kubelet's Memory QoS is seen (kube_observe = auto)",
		[KUBE_OBSERVE_YES] = "observe-only (kube_observe = yes)",
		[KUBE_OBSERVE_NO] = "managed, files the kubelet sets are yielded (kube_observe = no)",
	};
	char globs[256] = "";
	size_t i, len = 0;

	for (i = 0; i < d->cfg.n_observe && len < sizeof(globs); i++)
		len += snprintf(globs + len, sizeof(globs) - len, "%s%s",
				i ? ", " : "", d->cfg.observe[i]);
	dlog(d, LOG_INFO, "observe-only (measured and advised, never written): %s; kubepods %s",
	     *globs ? globs : "no observe globs", kube[d->cfg.kube_observe]);
}

static void describe_start(struct daemon *d)
{
	char b[UNITS_BUF_SIZE];

	dlog(d, LOG_INFO, "configuration: %s; %zu tiers, %zu rules%s",
	     d->cfg_name, d->cfg.n_tiers, d->cfg.n_rules,
	     d->o->dry_run ? "; dry run, nothing will be changed" : "");
	if (d->module)
		dlog(d, LOG_INFO, "levels from the memqos module%s",
		     d->ev ? ", pressure from its events" :
		     ", pressure measured every pass");
	else
		dlog(d, LOG_INFO,
		     "memqos module not loaded: levels from memory.stat, pressure from memory.pressure every %u ms",
		     d->cfg.squeeze_interval_ms);
	describe_observe(d);
	if (!mq_cgfs_trusted_ok())
		dlog(d, LOG_WARNING,
		     "without CAP_SYS_ADMIN root's tags (%s) cannot be read: they count as unset",
		     d->cfg.tier_xattr);
	dlog(d, LOG_INFO,
	     "protection: cgroup2 at %s %s memory_recursiveprot; %s; memory.min budget %u%% of %s",
	     d->fs.root, d->fs.recursiveprot ? "with" : "without",
	     d->cfg.ancestors == PROT_AUTO ?
	     "relying on ancestors' memory.min/low, raised where they do not cover their protected descendants" :
	     "ancestors left alone (ancestors = off): protection deeper than they cover is not effective",
	     d->cfg.min_budget_pct, daemon_size_str(d->ram, b));
}

int daemon_run(const struct daemon_opts *o)
{
	struct daemon *d = calloc(1, sizeof(*d));
	int ret = MEMQOS_EXIT_ERROR, err;

	if (!d)
		return MEMQOS_EXIT_ERROR;
	d->mglru = -1;
	d->lock_fd = -1;
	d->notes = calloc(MAX_NOTES, sizeof(*d->notes));
	if (!d->notes) {
		free(d);
		return MEMQOS_EXIT_ERROR;
	}
	d->o = o;
	d->page = sysconf(_SC_PAGESIZE);
	d->ram = (uint64_t)sysconf(_SC_PHYS_PAGES) * d->page;

	if (daemon_load_config(d, &d->cfg, true)) {
		dlog(d, LOG_ERR, "bad configuration, not starting");
		ret = MEMQOS_EXIT_USAGE;
		goto out;
	}
	if (d->cfg.syslog)
		openlog("memqos", LOG_PID, LOG_DAEMON);
	err = mq_cgfs_open(&d->fs);
	if (err) {
		dlog(d, LOG_ERR, "no cgroup2 mount: %s", strerror(-err));
		goto out;
	}
	if (open_state(d))
		goto out;
	if (o->restore) {
		ret = daemon_restore_all(d, "original, memqos daemon --restore") ?
		      MEMQOS_EXIT_ERROR : MEMQOS_EXIT_OK;
		goto out;
	}
	/* from here on a signal must not skip the restore */
	d->sfd = mq_signal_fd(SFD_NONBLOCK);
	if (d->sfd < 0) {
		dlog(d, LOG_ERR, "signalfd: %s", strerror(-d->sfd));
		goto out;
	}
	/* after the signals are blocked: the server's thread inherits that */
	if (o->listen) {
		struct exporter_cfg ecfg;

		exporter_cfg_init(&ecfg);
		ecfg.listen = o->listen;
		ecfg.verbose = o->verbose;
		d->exporter = exporter_start(&ecfg);
		if (!d->exporter)
			goto out;
	}
	daemon_module_rejoin(d);
	describe_start(d);

	if (daemon_pass(d))
		goto out;
	if (o->once) {
		ret = d->failures ? MEMQOS_EXIT_ERROR : MEMQOS_EXIT_OK;
		goto out;
	}
	ret = daemon_loop(d);
out:
	exporter_stop(d->exporter);
	daemon_free_pass(d);
	free(d->cg);
	free(d->rts);
	free(d->notes);
	state_free(&d->st);
	mq_nl_close(d->ev);
	mq_nl_close(d->nl);
	if (d->sfd > 0)
		close(d->sfd);
	/* the lock goes last: the state file is final */
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	free(d);
	return ret;
}
