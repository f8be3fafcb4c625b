// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/memqos/: a view for people poking at a node. Every file
 * is root-only; tools use the generic netlink family instead.
 *
 *   version    module version
 *   stats      module-wide counters, probe hits, memory used
 *   config     "key value" lines; write "key value" to set one
 *   cgroups    one line per memory cgroup, a header row naming the columns
 *   detail     write a cgroup id or /path, read all of its fields
 *   oom_kills  the recent OOM kills, oldest first
 *   attribution  who reclaimed from whom: pairs, highest recent score first
 *
 * Numbers are plain integers: bytes, counts or microseconds (the column
 * name says which); an unlimited min/low/high/max reads as 2^64-1.
 */
#include <linux/module.h>
#include <linux/cgroup.h>
#include <linux/debugfs.h>
#include <linux/kernfs.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/memqos.h>

#include "attrib.h"
#include "cgtable.h"
#include "config.h"
#include "debugfs.h"
#include "events.h"
#include "hist.h"
#include "idlist.h"
#include "inflight.h"
#include "levels.h"
#include "memcg_stat.h"
#include "oomring.h"
#include "probes_high.h"
#include "probes_oomscope.h"
#include "report.h"
#include "stats.h"
#include "tracepoints.h"

/* The longest write any file accepts: "key value" or a cgroup path. */
#define MQ_WRITE_MAX	PATH_MAX

static struct dentry *mq_debugfs_dir;

/* Copies a one-line write from user space, newline stripped. */
static char *mq_write_get(const char __user *ubuf, size_t len)
{
	char *buf, *nl;

	if (!len || len >= MQ_WRITE_MAX)
		return ERR_PTR(-EINVAL);
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return buf;
	nl = strchr(buf, '\n');
	if (nl && nl[1] != '\0') {	/* one line only */
		kfree(buf);
		return ERR_PTR(-EINVAL);
	}
	if (nl)
		*nl = '\0';
	return buf;
}

static int version_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%s\n", MEMQOS_VERSION);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(version);

static int stats_show(struct seq_file *m, void *unused)
{
	unsigned long records;

	mq_cg_sync();		/* count the cgroups made just before */
	records = mq_cg_count();

	seq_printf(m, "records %lu\n", records);
	seq_printf(m, "records_delegated %lu\n", mq_cg_count_delegated());
	seq_printf(m, "inflight %u\n", mq_inflight_used());
	seq_printf(m, "events_seq %llu\n", mq_event_last_seq());
	seq_printf(m, "record_bytes %zu\n", sizeof(struct mq_cgroup));
	seq_printf(m, "bytes_used %zu\n",
		   records * sizeof(struct mq_cgroup) + mq_inflight_bytes() +
		   mq_oomring_bytes() + mq_attrib_bytes());
	mq_stats_show(m);
	mq_tp_show(m);
	mq_accessors_show(m);
	mq_high_probe_show(m);
	mq_oomscope_probe_show(m);
	mq_attrib_show(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int config_show(struct seq_file *m, void *unused)
{
	mq_config_show(m);
	return 0;
}

static int config_open(struct inode *inode, struct file *file)
{
	return single_open(file, config_show, NULL);
}

static ssize_t config_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	char *buf, *val, *key;
	int ret;

	buf = mq_write_get(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	val = strim(buf);
	key = strsep(&val, " \t");
	if (!val || !*key) {
		ret = -EINVAL;
		goto out;
	}
	ret = mq_config_set(key, skip_spaces(val));
out:
	kfree(buf);
	return ret ? ret : len;
}

static const struct file_operations config_fops = {
	.owner = THIS_MODULE,
	.open = config_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = config_write,
	.release = single_release,
};

/* Per-open state of the cgroups and detail files. */
struct mq_view {
	struct mq_idlist *ids;
	struct mq_report report;
	char path[PATH_MAX];
};

static void mq_print_path(struct seq_file *m, struct mq_view *v,
			  struct cgroup *cgrp)
{
	int ret = kernfs_path_from_node(cgrp->kn, NULL, v->path,
					sizeof(v->path));

	if (ret < 0 || ret >= (int)sizeof(v->path))
		seq_puts(m, "?");
	else
		seq_escape(m, v->path, " \t\n\\");
}

static void *cgroups_start(struct seq_file *m, loff_t *pos)
{
	struct mq_view *v = m->private;

	if (*pos == 0)
		return SEQ_START_TOKEN;
	return *pos <= v->ids->nr ? &v->ids->ids[*pos - 1] : NULL;
}

static void *cgroups_next(struct seq_file *m, void *p, loff_t *pos)
{
	++*pos;
	return cgroups_start(m, pos);
}

static void cgroups_stop(struct seq_file *m, void *p)
{
}

/* @v after @sep, or "-" in its place when this kernel cannot give it. */
static void mq_show_value(struct seq_file *m, const char *sep, u64 v,
			  bool available)
{
	if (available)
		seq_put_decimal_ull(m, sep, v);
	else
		seq_printf(m, "%s-", sep);
}

static void cgroups_header(struct seq_file *m)
{
	int i;

	seq_puts(m, "id");
	for (i = 0; i < MQ_NR_LEVELS; i++)
		seq_printf(m, " %s", mq_level_names[i]);
	for (i = 0; i < MQ_NR_COUNTERS; i++)
		seq_printf(m, " %s", mq_counter_names[i]);
	seq_puts(m, " path\n");
}

static int cgroups_show(struct seq_file *m, void *p)
{
	struct mq_view *v = m->private;
	struct mq_report *r = &v->report;
	struct cgroup *cgrp;
	int i;

	if (p == SEQ_START_TOKEN) {
		cgroups_header(m);
		return 0;
	}
	/* The cgroup may have gone since the snapshot: skip it. */
	cgrp = cgroup_get_from_id(*(u64 *)p);
	if (IS_ERR(cgrp))
		return 0;
	if (!mq_report_read(cgrp, r, mq_idlist_subtree(v->ids, p), NULL)) {
		seq_printf(m, "%llu", r->id);
		for (i = 0; i < MQ_NR_LEVELS; i++)
			mq_show_value(m, " ", r->levels.v[i],
				      mq_level_available(i));
		for (i = 0; i < MQ_NR_COUNTERS; i++)
			mq_show_value(m, " ", r->counters[i],
				      mq_counter_available(i));
		seq_putc(m, ' ');
		mq_print_path(m, v, cgrp);
		seq_putc(m, '\n');
	}
	cgroup_put(cgrp);
	return 0;
}

static const struct seq_operations cgroups_sops = {
	.start = cgroups_start,
	.next = cgroups_next,
	.stop = cgroups_stop,
	.show = cgroups_show,
};

static int cgroups_open(struct inode *inode, struct file *file)
{
	struct mq_view *v;
	int ret;

	v = __seq_open_private(file, &cgroups_sops, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->ids = mq_idlist_collect(NULL, true);
	if (!v->ids) {
		ret = -ENOMEM;
		goto err_release;
	}
	return 0;

err_release:
	seq_release_private(inode, file);
	return ret;
}

static int cgroups_release(struct inode *inode, struct file *file)
{
	struct mq_view *v = ((struct seq_file *)file->private_data)->private;

	mq_idlist_free(v->ids);
	return seq_release_private(inode, file);
}

static const struct file_operations cgroups_fops = {
	.owner = THIS_MODULE,
	.open = cgroups_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = cgroups_release,
};

/*
 * The detail file shows one cgroup, chosen by writing its id or its path.
 * The choice is global (like most debugfs selectors): two people choosing
 * at once see each other's choice.
 */
static DEFINE_MUTEX(mq_detail_lock);
static u64 mq_detail_id;

static void detail_hist(struct seq_file *m, const char *name,
			const struct mq_hist_snap *h)
{
	unsigned int b;

	seq_printf(m, "%s_max_us %llu\n", name, h->max_us);
	seq_printf(m, "%s_hist", name);
	for (b = 0; b < MQ_HIST_BUCKETS; b++)
		seq_printf(m, " %llu", h->bucket[b]);
	seq_putc(m, '\n');
}

static int detail_show(struct seq_file *m, void *unused)
{
	struct mq_view *v = m->private;
	struct mq_report *r = &v->report;
	struct cgroup *cgrp;
	unsigned int i;
	u64 id;

	mutex_lock(&mq_detail_lock);
	id = mq_detail_id;
	mutex_unlock(&mq_detail_lock);
	if (!id) {
		seq_puts(m, "# write a cgroup id or /path to this file first\n");
		return 0;
	}
	cgrp = cgroup_get_from_id(id);
	if (IS_ERR(cgrp))
		return -ENOENT;
	mq_cg_sync();
	if (mq_report_read(cgrp, r, NULL, NULL)) {
		cgroup_put(cgrp);
		return -ENOENT;
	}
	seq_printf(m, "id %llu\npath ", r->id);
	mq_print_path(m, v, cgrp);
	seq_printf(m, "\ntracked %d\n", r->tracked);
	cgroup_put(cgrp);

	for (i = 0; i < MQ_NR_LEVELS; i++) {
		seq_puts(m, mq_level_names[i]);
		mq_show_value(m, " ", r->levels.v[i], mq_level_available(i));
		seq_putc(m, '\n');
	}
	for (i = 0; i < MQ_NR_COUNTERS; i++) {
		seq_puts(m, mq_counter_names[i]);
		mq_show_value(m, " ", r->counters[i], mq_counter_available(i));
		seq_putc(m, '\n');
	}

	/* Bucket b holds stalls below the b-th bound and at least b-1-th. */
	seq_puts(m, "hist_bounds_us");
	for (i = 0; i < MQ_HIST_BUCKETS - 1; i++)
		seq_printf(m, " %llu", 1ULL << i);
	seq_puts(m, " inf\n");
	for (i = 0; i < MQ_NR_STALL_KINDS; i++)
		detail_hist(m, mq_stall_names[i], &r->hist[i]);
	return 0;
}

static int detail_open(struct inode *inode, struct file *file)
{
	struct mq_view *v;
	int ret;

	v = kvzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!v)
		return -ENOMEM;
	ret = single_open(file, detail_show, v);
	if (ret)
		kvfree(v);
	return ret;
}

static int detail_release(struct inode *inode, struct file *file)
{
	kvfree(((struct seq_file *)file->private_data)->private);
	return single_release(inode, file);
}

/* Resolves "/path" (in the writer's cgroup namespace) or a decimal id. */
static struct cgroup *mq_cgroup_parse(const char *s)
{
	u64 id;

	if (s[0] == '/')
		return cgroup_get_from_path(s);
	if (kstrtou64(s, 10, &id) || !id)
		return ERR_PTR(-EINVAL);
	return cgroup_get_from_id(id);
}

static ssize_t detail_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	struct cgroup_subsys_state *css;
	struct cgroup *cgrp;
	char *buf;
	int ret = 0;

	buf = mq_write_get(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	cgrp = mq_cgroup_parse(strim(buf));
	kfree(buf);
	if (IS_ERR(cgrp))
		return PTR_ERR(cgrp) == -EINVAL ? -EINVAL : -ENOENT;

	/* Only cgroups with the memory controller have anything to show. */
	css = cgroup_get_e_css(cgrp, &memory_cgrp_subsys);
	if (!css || css->cgroup != cgrp) {
		ret = -ENOENT;
	} else {
		mutex_lock(&mq_detail_lock);
		mq_detail_id = cgroup_id(cgrp);
		mutex_unlock(&mq_detail_lock);
	}
	if (css)
		css_put(css);
	cgroup_put(cgrp);
	return ret ? ret : len;
}

static const struct file_operations detail_fops = {
	.owner = THIS_MODULE,
	.open = detail_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = detail_write,
	.release = detail_release,
};

/* Trigger, scope, scope cgroup and its memory.max; "-" where not known. */
static void mq_oom_show_scope(struct seq_file *m, const struct mq_oom_kill *k)
{
	static const char *const names[] = {
		[MEMQOS_OOM_SCOPE_MEMCG] = "memcg",
		[MEMQOS_OOM_SCOPE_GLOBAL] = "global",
		[MEMQOS_OOM_SCOPE_SYSRQ] = "sysrq",
	};

	if (!k->has_scope || k->scope >= ARRAY_SIZE(names)) {
		seq_puts(m, " - - - -\n");
		return;
	}
	if (k->trigger_cgid)
		seq_printf(m, " %llu", k->trigger_cgid);
	else
		seq_puts(m, " -");
	seq_printf(m, " %s", names[k->scope]);
	if (k->scope != MEMQOS_OOM_SCOPE_MEMCG)
		seq_puts(m, " - -\n");
	else
		seq_printf(m, " %llu %llu\n", k->scope_cgid, k->scope_max_bytes);
}

static int oom_kills_show(struct seq_file *m, void *unused)
{
	struct mq_oom_kill *kills;
	size_t n, i;

	kills = mq_oomring_snapshot(&n);
	if (!kills)
		return -ENOMEM;

	seq_puts(m, "seq time_ns boot_ns cgroup_id pid uid rss_anon rss_file rss_shmem pgtables oom_score_adj comm trigger_cgroup_id scope scope_cgroup_id scope_max\n");
	for (i = 0; i < n; i++) {
		struct mq_oom_kill *k = &kills[i];

		seq_printf(m, "%llu %llu %llu %llu %d %u %llu %llu %llu %llu %d ",
			   k->seq, k->time_ns, k->boot_ns, k->cgid, k->pid,
			   k->uid, k->rss_anon_bytes, k->rss_file_bytes,
			   k->rss_shmem_bytes, k->pgtables_bytes,
			   k->oom_score_adj);
		seq_escape(m, k->comm, " \t\n\\");
		mq_oom_show_scope(m, k);
	}
	kvfree(kills);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(oom_kills);

static void mq_print_reclaimer(struct seq_file *m, u64 id)
{
	if (id == MQ_RECLAIMER_KSWAPD)
		seq_puts(m, "kswapd");
	else if (id == MQ_RECLAIMER_UNKNOWN)
		seq_puts(m, "unknown");
	else
		seq_printf(m, "%llu", id);
}

static int attribution_show(struct seq_file *m, void *unused)
{
	struct mq_pair_snap *pairs;
	size_t i, n;

	if (!mq_attrib_available()) {
		seq_puts(m, "unavailable: reclaim ran that this kernel does not trace, or the reclaim path is not probed (stats)\n");
		return 0;
	}
	pairs = mq_attrib_snapshot(&n);
	if (!pairs)
		return -ENOMEM;
	seq_puts(m, "reclaimer victim node scanned reclaimed_anon reclaimed_file refaults recent\n");
	for (i = 0; i < n; i++) {
		struct mq_pair_snap *p = &pairs[i];

		mq_print_reclaimer(m, p->reclaimer);
		seq_printf(m, " %llu %d %llu %llu %llu %llu %llu\n", p->victim,
			   p->nid, p->scanned, p->reclaimed_anon,
			   p->reclaimed_file, p->refaults, p->score);
	}
	kvfree(pairs);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(attribution);

int mq_debugfs_init(void)
{
	struct dentry *dir;

	dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	mq_debugfs_dir = dir;

	debugfs_create_file("version", 0400, dir, NULL, &version_fops);
	debugfs_create_file("stats", 0400, dir, NULL, &stats_fops);
	debugfs_create_file("config", 0600, dir, NULL, &config_fops);
	debugfs_create_file("cgroups", 0400, dir, NULL, &cgroups_fops);
	debugfs_create_file("detail", 0600, dir, NULL, &detail_fops);
	debugfs_create_file("oom_kills", 0400, dir, NULL, &oom_kills_fops);
	debugfs_create_file("attribution", 0400, dir, NULL, &attribution_fops);
	return 0;
}

void mq_debugfs_exit(void)
{
	debugfs_remove_recursive(mq_debugfs_dir);
	mq_debugfs_dir = NULL;
}
