// SPDX-License-Identifier: GPL-2.0
/*
 * memqos daemon: apply QoS tiers, see daemon.h.
 */
#include <getopt.h>

#include "cmd.h"
#include "daemon.h"

static int daemon_cmd_run(struct memqos_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "dry-run",	no_argument,		NULL, 'n' },
		{ "listen",	required_argument,	NULL, 'l' },
		{ "once",	no_argument,		NULL, '1' },
		{ "restore",	no_argument,		NULL, 'R' },
		{ "verbose",	no_argument,		NULL, 'v' },
		CMD_COMMON_LONGOPTS,
		{ }
	};
	struct daemon_opts o = { };
	int opt, ret;

	while ((opt = getopt_long(argc, argv, ":c:nv" CMD_COMMON_SHORTOPTS,
				  opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			o.config = optarg;
			continue;
		case 'n':
			o.dry_run = true;
			continue;
		case 'l':
			o.listen = optarg;
			continue;
		case '1':
			o.once = true;
			continue;
		case 'R':
			o.restore = true;
			continue;
		case 'v':
			o.verbose = true;
			continue;
		}
		ret = cmd_common_opt(ctx, opt, argv);
		if (ret != CMD_CONTINUE)
			return ret;
	}
	ret = cmd_no_operands(ctx, argc, argv);
	if (ret != CMD_CONTINUE)
		return ret;
	if (o.restore && o.once)
		return cmd_usage_error(ctx, "--restore and --once exclude each other");
	if (o.listen && (o.restore || o.once))
		return cmd_usage_error(ctx, "--listen is for the running daemon, not --once or --restore");
	return daemon_run(&o);
}

const struct cmd cmd_daemon = {
	.name		= "daemon",
	.run		= daemon_cmd_run,
	.summary	= "apply QoS tiers: size memory.min/low, squeeze batch",
	.synopsis	= "[-c FILE] [-n] [--once | --restore] [--listen ADDR:PORT] [-v]",
	.description	=
		"Classify every cgroup into a QoS tier (root's\n"
		"trusted.memqos.tier tag, the Kubernetes QoS class, path\n"
		"rules, the default; an owner's user.memqos.tier tag may\n"
		"lower that tier, never raise it, and the daemon logs the\n"
		"tags it ignores; see 'memqos tier') and keep its memory\n"
		"protection sized to what it measurably uses:\n"
		"\n"
		"critical: memory.min = working set + headroom, below\n"
		"memory.max by enough room for the cgroup to reclaim its own\n"
		"cache. standard: memory.low sized the same way. batch:\n"
		"memory.low 0; while a critical or standard cgroup stalls in\n"
		"reclaim, batch cgroups are squeezed by memory.reclaim and\n"
		"then a lowered memory.high, never below a floor nor into\n"
		"the memory.high livelock, and released in steps once calm;\n"
		"those the module's reclaim attribution names as reclaiming\n"
		"from the stalling cgroup first.\n"
		"The working set is anon + shmem + active file cache over a\n"
		"window (all file cache while the kernel runs the Multi-Gen\n"
		"LRU, whose active list misses cache re-read with read()),\n"
		"plus what was refaulted: while a protected cgroup\n"
		"refaults near its protection, that grows by the refaulted\n"
		"bytes each pass, and decays slowly once the refaults stop\n"
		"(refault_grow_pct, boost_hold_s, boost_decay_s), never\n"
		"past the room kept below memory.max. The sum of memory.min\n"
		"stays within a share of RAM, scaled down by tier priority,\n"
		"and ancestors are raised to cover their protected\n"
		"descendants (a child's protection never exceeds its\n"
		"parent's).\n"
		"\n"
		"Levels and pressure events come from the memqos module; if it\n"
		"is not loaded, from memory.stat and memory.pressure, polled\n"
		"every squeeze_interval_ms; so are those of each cgroup the\n"
		"module does not track (it had no room for a record when the\n"
		"cgroup was made), never read as its zeros. The module\n"
		"unloaded or loaded while the daemon runs is noticed at the\n"
		"next pass, and its events are joined again. Cgroups\n"
		"without a tier are never touched. Every change is logged\n"
		"to stderr (and syslog with syslog = yes) as old -> new with\n"
		"its reason.\n"
		"\n"
		"The original value of every file is recorded in\n"
		"/run/memqos/state before the first write. SIGTERM and SIGINT\n"
		"restore them all; after a crash the next start restores those\n"
		"it no longer manages. SIGHUP reloads the configuration, and\n"
		"keeps the running one if the new file is bad. Writes the\n"
		"kernel rejects and vanished cgroups are logged and survived;\n"
		"a cgroup is written only if it is still the one measured (a\n"
		"cgroup removed and made again at its path is another).\n"
		"\n"
		"Beside other writers (the kubelet's Memory QoS, an\n"
		"in-place resize, an admin): the state file keeps the value\n"
		"the daemon last wrote to each file, and every pass reads\n"
		"the file before writing. One that changed since (allowing\n"
		"for the kernel's rounding to pages) is yielded: logged once\n"
		"with both values (\"conflict:\"), counted, never written\n"
		"again, and never restored over the other writer's value,\n"
		"even if it later reads the daemon's value again; it stays\n"
		"yielded across restarts until its cgroup is removed.\n"
		"Subtrees under an observe glob of the configuration, and\n"
		"kubepods once the kubelet's Memory QoS shows (a pod's\n"
		"nonzero memory.min memqos did not write; kube_observe), are\n"
		"observe-only: measured and sized, never written; what the\n"
		"daemon would set is exported as advice.\n"
		"\n"
		"One daemon per node: it holds the lock on state_dir/lock\n"
		"while it runs, and a second one, --once and --restore\n"
		"included, refuses to start (\"already running\", exit\n"
		"status 1). state_dir must be a directory only root can\n"
		"write in.\n",
	.options	=
		"-c, --config FILE\n"
		"       The configuration (default /etc/memqos/memqos.conf;\n"
		"       built-in defaults if that is absent). Errors name the\n"
		"       file and line, and nothing starts.\n"
		"\n"
		"-n, --dry-run\n"
		"       Print every change it would make and why; change\n"
		"       nothing, not even the state file.\n"
		"\n"
		"--once\n"
		"       One pass, then exit keeping what it set (the state\n"
		"       file keeps the originals for a later --restore or\n"
		"       daemon start). Exit status 1 if a write failed.\n"
		"\n"
		"--restore\n"
		"       Put back every original value the state file holds\n"
		"       (not those of files yielded to other writers), then\n"
		"       exit. Refused while the daemon runs (it restores\n"
		"       them itself when stopped).\n"
		"\n"
		"--listen ADDR:PORT\n"
		"       Serve the metrics there as 'memqos exporter' does,\n"
		"       with its default collectors, from a thread of the\n"
		"       daemon's own: one process per node. Its\n"
		"       memqos_cgroup_info has the tier of each tiered cgroup\n"
		"       and where it came from, as of the last pass, and the\n"
		"       memqos_daemon_* families what the pass decided: per\n"
		"       managed cgroup the memory.min/low/high it left\n"
		"       (protection_bytes{knob}), the working set and\n"
		"       headroom behind them, squeeze steps and releases;\n"
		"       the memory.min budget and its scale ratio, pass\n"
		"       durations, writes and write failures by knob and\n"
		"       errno (Documentation/prometheus.md). A scrape reads\n"
		"       a copy made at the end of each pass, and never\n"
		"       delays one. memqos_daemon_conflicts_total{file}\n"
		"       counts the files yielded to other writers since\n"
		"       start, memqos_daemon_yielded_files{file} those the\n"
		"       state file holds, and\n"
		"       memqos_daemon_advised_protection_bytes{cgroup,file}\n"
		"       is what it would set in observe-only subtrees.\n"
		"\n"
		"-v, --verbose\n"
		"       Log a summary of every pass.\n",
};
