// SPDX-License-Identifier: GPL-2.0
/*
 * memqos exporter: serve the Prometheus metrics over HTTP (daemon/
 * exporter.c) until a signal.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cmd.h"
#include "exporter.h"
#include "prom.h"
#include "signal_fd.h"
#include "units.h"

static int exporter_run(struct memqos_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen",		required_argument, NULL, 'l' },
		{ "collect",		required_argument, NULL, 'C' },
		{ "no-collect",		required_argument, NULL, 'N' },
		{ "max-depth",		required_argument, NULL, 'd' },
		{ "cgroups",		required_argument, NULL, 'g' },
		{ "max-connections",	required_argument, NULL, 'm' },
		{ "timeout",		required_argument, NULL, 't' },
		{ "verbose",		no_argument,	   NULL, 'v' },
		CMD_COMMON_LONGOPTS,
		{ }
	};
	struct sockaddr_storage ss = { };
	struct signalfd_siginfo si;
	struct exporter_cfg cfg;
	struct exporter *e;
	int opt, ret, c, sfd;

	exporter_cfg_init(&cfg);
	while ((opt = getopt_long(argc, argv, ":l:v" CMD_COMMON_SHORTOPTS,
				  opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			cfg.listen = optarg;
			continue;
		case 'C':
		case 'N':
			c = mq_prom_collector_by_name(optarg);
			if (c < 0)
				return cmd_usage_error(ctx,
					"unknown collector '%s'", optarg);
			if (opt == 'C')
				cfg.collect |= 1U << c;
			else
				cfg.collect &= ~(1U << c);
			continue;
		case 'd':
			if (mq_units_parse_u32(optarg, 0, UINT_MAX,
					       &cfg.max_depth))
				return cmd_usage_error(ctx,
					"--max-depth wants a number");
			continue;
		case 'g':
			cfg.glob = optarg;
			continue;
		case 'm':
			if (mq_units_parse_u32(optarg, 1, 1024, &cfg.max_conns))
				return cmd_usage_error(ctx,
					"--max-connections wants 1 to 1024");
			continue;
		case 't':
			if (mq_units_parse_u32(optarg, 1, 3600, &cfg.timeout))
				return cmd_usage_error(ctx,
					"--timeout wants 1 to 3600 seconds");
			continue;
		case 'v':
			cfg.verbose = true;
			continue;
		}
		ret = cmd_common_opt(ctx, opt, argv);
		if (ret != CMD_CONTINUE)
			return ret;
	}
	ret = cmd_no_operands(ctx, argc, argv);
	if (ret != CMD_CONTINUE)
		return ret;
	if (exporter_parse_listen(cfg.listen, &ss))
		return cmd_usage_error(ctx, "--listen wants ADDR:PORT, "
				       "[ADDR6]:PORT or :PORT, not '%s'",
				       cfg.listen);
	/* before the server's thread starts, so that it inherits the mask */
	sfd = mq_signal_fd(0);
	if (sfd < 0) {
		cmd_error(ctx, "signalfd: %s", strerror(-sfd));
		return MEMQOS_EXIT_ERROR;
	}
	e = exporter_start(&cfg);
	if (e) {
		while (read(sfd, &si, sizeof(si)) < 0 && errno == EINTR)
			;
		exporter_stop(e);
	}
	close(sfd);
	return e ? MEMQOS_EXIT_OK : MEMQOS_EXIT_ERROR;
}

const struct cmd cmd_exporter = {
	.name		= "exporter",
	.run		= exporter_run,
	.summary	= "serve the metrics to Prometheus over HTTP",
	.synopsis	= "[--listen ADDR:PORT] [--collect NAME]... "
			  "[--no-collect NAME]... [--max-depth N] "
			  "[--cgroups GLOB]",
	.description	=
		"Serve GET /metrics in the Prometheus text format 0.0.4,\n"
		"gzip'ed when the scraper accepts it, /healthz and a short\n"
		"help page at /. Each scrape is one netlink dump of the\n"
		"cgroups; when the module is not loaded or does not answer,\n"
		"/metrics still answers, with memqos_up 0.\n"
		"\n"
		"Series are labelled cgroup=\"<path>\" and, where the path\n"
		"says, pod_uid, qos_class and container_id (Kubernetes pods,\n"
		"with the systemd or cgroupfs driver), container_id (podman,\n"
		"CRI-O, docker and containerd scopes) or unit (systemd\n"
		"units). The cgroup ID is a label of memqos_cgroup_info\n"
		"only, as are its tier and where the tier came from\n"
		"(tier, tier_source) when 'memqos daemon --listen' serves\n"
		"them. Sizes are bytes, times seconds, page counts are\n"
		"given in bytes. The default collectors give each cgroup at\n"
		"most 25 series, and histograms of stall times (log4\n"
		"buckets, 4 us to 16.8 s) only to the cgroups that stalled\n"
		"since the previous scrape. Collectors:\n"
		"\n"
		"    memory      usage, swap, anon, file, min/low/high/max\n"
		"    events      memory.events high, max, oom, oom_kill\n"
		"    pressure    memory.pressure some and full\n"
		"    stalls      reclaim and memory.high stalls\n"
		"    refaults    workingset refaults, anon and file\n"
		"    reclaimed   bytes other cgroups reclaimed from it\n"
		"    info        memqos_cgroup_info\n"
		"    histograms  stall time histograms\n"
		"    detail      everything else (off by default)\n"
		"    oom         the node's recent OOM kills:\n"
		"                memqos_oom_kill_timestamp_seconds and\n"
		"                memqos_oom_kills_recent, labelled\n"
		"                victim_cgroup, trigger_cgroup, scope\n"
		"                (memcg, global, sysrq) and scope_cgroup\n"
		"\n"
		"The module's build info and counters (memqos_module_*)\n"
		"follow, then memqos_up; under 'memqos daemon --listen',\n"
		"then the daemon's decisions (memqos_daemon_*, see\n"
		"'memqos daemon' and Documentation/prometheus.md).\n",
	.options	=
		"-l, --listen ADDR:PORT\n"
		"       Listen there: 127.0.0.1:9469 by default, loopback\n"
		"       only; [::1]:9469 for IPv6, :9469 for every address.\n"
		"--collect NAME, --no-collect NAME\n"
		"       Turn a collector on or off; repeat for more.\n"
		"--max-depth N\n"
		"       Only cgroups at most N levels below the root.\n"
		"--cgroups GLOB\n"
		"       Only cgroups whose path matches GLOB (fnmatch(3): *\n"
		"       does not cross a /).\n"
		"--max-connections N\n"
		"       Serve at most N connections at once (16), half of\n"
		"       them from one address.\n"
		"--timeout SECONDS\n"
		"       Close a connection idle this long (10).\n"
		"-v, --verbose\n"
		"       Say on stderr why a scrape could not read the\n"
		"       module, and what each refused request got wrong.\n",
};
