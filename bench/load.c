// SPDX-License-Identifier: GPL-2.0
/*
 * load.c - the C workloads of `make bench`, run in the guest by
 * bench/guest.py.
 *
 * Worker modes stay alive between runs, so that a benchmark never times
 * fork+exec (~170 ms under TCG): each line "run" on stdin does one unit of
 * work and answers "done NS" (its own elapsed ns); EOF ends the worker.
 *
 *   load churn MB ROUNDS     mmap MB of anonymous memory, write every page,
 *                            munmap; ROUNDS times (allocation churn: in a
 *                            memory.max-limited cgroup, reclaim)
 *   load faults MB ROUNDS    one mapping of MB; write every page, then
 *                            MADV_DONTNEED it; ROUNDS times (page faults)
 *   load touch MB ROUNDS     one mapping of MB, kept; write every page
 *                            ROUNDS times (a working set, or a hog)
 *   load reclaim FILE N      write "1M" to memory.reclaim FILE N times
 *                            (of an empty cgroup: each write is a burst of
 *                            memcg reclaim calls and nothing else)
 *   load cgscan ROOT N       N times what cgread does (below): a
 *                            long-running collector that scrapes the
 *                            files, as a node agent does
 *
 * One-shot mode:
 *   load cgread ROOT         what a cAdvisor-style collector does: for every
 *                            cgroup under ROOT read memory.stat,
 *                            memory.events and memory.pressure and parse
 *                            every number; prints "cgroups N sum S"
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static long page_size;

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/*
 * Small pages only: a transparent huge page would turn 512 faults into one,
 * at random (whether one is free), and make the workloads bimodal.
 */
static void *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

/* Writes through a volatile pointer so that -O2 cannot drop the stores. */
static void touch(volatile char *p, size_t len)
{
	size_t off;

	for (off = 0; off < len; off += page_size)
		p[off] = 1;
}

static void churn(size_t len, long rounds)
{
	long r;

	for (r = 0; r < rounds; r++) {
		char *p = map_anon(len);

		touch(p, len);
		munmap(p, len);
	}
}

static char *kept_map;

/* The mapping of faults and touch, made on their first run. */
static char *kept(size_t len)
{
	if (!kept_map)
		kept_map = map_anon(len);
	return kept_map;
}

static void faults(size_t len, long rounds, int drop)
{
	char *p = kept(len);
	long r;

	for (r = 0; r < rounds; r++) {
		touch(p, len);
		if (drop && madvise(p, len, MADV_DONTNEED))
			die("madvise");
	}
}

static void reclaim(const char *file, long n)
{
	int fd = open(file, O_WRONLY);
	long i;

	if (fd < 0)
		die(file);
	for (i = 0; i < n; i++) {
		/* EAGAIN: nothing to reclaim, which is the point. */
		if (write(fd, "1M", 2) < 0 && errno != EAGAIN)
			die("write memory.reclaim");
	}
	close(fd);
}

/* Sums every number in a cgroup file, as a parser of it would see them. */
static unsigned long long parse_file(int dirfd, const char *name)
{
	char buf[8192];
	unsigned long long sum = 0, v = 0;
	int fd = openat(dirfd, name, O_RDONLY), in = 0;
	ssize_t n, i;

	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				v = v * 10 + (buf[i] - '0');
				in = 1;
			} else if (in) {
				sum += v;
				v = 0;
				in = 0;
			}
		}
	}
	close(fd);
	return sum + v;
}

static void cgread(int dirfd, unsigned long *count, unsigned long long *sum)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *e;

	if (!d)
		die("fdopendir");
	*sum += parse_file(dirfd, "memory.stat");
	*sum += parse_file(dirfd, "memory.events");
	*sum += parse_file(dirfd, "memory.pressure");
	(*count)++;
	while ((e = readdir(d))) {
		int sub;

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY);
		if (sub >= 0)
			cgread(sub, count, sum);
	}
	closedir(d);
}

/* @rounds scans of every cgroup under @root; the sums are discarded. */
static void cgscan(const char *root, long rounds)
{
	unsigned long count = 0;
	unsigned long long sum = 0;

	while (rounds-- > 0) {
		int fd = open(root, O_RDONLY | O_DIRECTORY);

		if (fd < 0)
			die(root);
		cgread(fd, &count, &sum);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: load churn|faults|touch MB ROUNDS | reclaim|cgscan PATH N | cgread ROOT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	char line[64];
	size_t len = 0;
	long n = 0;

	page_size = sysconf(_SC_PAGESIZE);
	if (argc == 3 && !strcmp(argv[1], "cgread")) {
		unsigned long count = 0;
		unsigned long long sum = 0;
		int fd = open(argv[2], O_RDONLY | O_DIRECTORY);

		if (fd < 0)
			die(argv[2]);
		cgread(fd, &count, &sum);
		printf("cgroups %lu sum %llu\n", count, sum);
		return 0;
	}
	if (argc != 4)
		usage();
	n = atol(argv[3]);
	if (strcmp(argv[1], "reclaim") && strcmp(argv[1], "cgscan")) {
		len = (size_t)atol(argv[2]) << 20;
		if (!len)
			usage();
	}
	if (n <= 0)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		unsigned long long t0 = now_ns();

		if (!strcmp(argv[1], "churn"))
			churn(len, n);
		else if (!strcmp(argv[1], "faults"))
			faults(len, n, 1);
		else if (!strcmp(argv[1], "touch"))
			faults(len, n, 0);
		else if (!strcmp(argv[1], "reclaim"))
			reclaim(argv[2], n);
		else if (!strcmp(argv[1], "cgscan"))
			cgscan(argv[2], n);
		else
			usage();
		printf("done %llu\n", now_ns() - t0);
	}
	return 0;
}
