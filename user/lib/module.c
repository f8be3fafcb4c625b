// SPDX-License-Identifier: GPL-2.0
/*
 * Module-wide state: version, stats, config; see module.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/memqos.h>

#include "module.h"

_Static_assert(MEMQOS_A_STATS_MAX < FIELD_MAX_ATTRS &&
	       MEMQOS_A_CONFIG_MAX < FIELD_MAX_ATTRS,
	       "attributes must fit struct field_vals");

/* Width of the labels in text output. */
#define LABEL_WIDTH	20

static int copy_str_attr(const struct nlattr *attr, char *buf, size_t len)
{
	if (!attr || mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return -EBADMSG;
	snprintf(buf, len, "%s", mnl_attr_get_str(attr));
	return 0;
}

/* An mnl callback's way of returning -@err. */
static int cb_result(int err)
{
	if (!err)
		return MNL_CB_OK;
	errno = -err;
	return MNL_CB_ERROR;
}

/* The multi-attr UNAVAILABLE of a version reply, into @ver. */
static int version_unavailable(const struct nlmsghdr *nlh,
			       struct mq_mod_version *ver)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != MEMQOS_A_VERSION_UNAVAILABLE)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return -EBADMSG;
		if (ver->n_unavailable < FIELD_MAX_ATTRS)
			ver->unavailable[ver->n_unavailable++] =
				mnl_attr_get_u32(a);
	}
	return 0;
}

static int version_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[MEMQOS_A_VERSION_MAX + 1];
	struct mq_mod_version *ver = data;
	const struct nlattr *uapi;

	/* all three are in UAPI 1; attributes are never removed */
	if (mq_nl_parse(nlh, tb, MEMQOS_A_VERSION_MAX) ||
	    copy_str_attr(tb[MEMQOS_A_VERSION_MODULE], ver->module,
			  sizeof(ver->module)) ||
	    copy_str_attr(tb[MEMQOS_A_VERSION_KERNEL], ver->kernel,
			  sizeof(ver->kernel)))
		return cb_result(-EBADMSG);
	uapi = tb[MEMQOS_A_VERSION_UAPI];
	if (!uapi || mnl_attr_validate(uapi, MNL_TYPE_U32) < 0)
		return cb_result(-EBADMSG);
	ver->uapi = mnl_attr_get_u32(uapi);
	return cb_result(version_unavailable(nlh, ver));
}

static int decode_probe(const struct nlattr *nest, struct mq_mod_probe *p)
{
	const struct nlattr *tb[MEMQOS_A_PROBE_MAX + 1];
	const struct nlattr *bound, *hits;

	if (mq_nl_parse_nested(nest, tb, MEMQOS_A_PROBE_MAX) ||
	    copy_str_attr(tb[MEMQOS_A_PROBE_NAME], p->name, sizeof(p->name)))
		return -EBADMSG;
	bound = tb[MEMQOS_A_PROBE_BOUND];
	hits = tb[MEMQOS_A_PROBE_HITS];
	if (!bound || mnl_attr_validate(bound, MNL_TYPE_U8) < 0 ||
	    !hits || mnl_attr_validate(hits, MNL_TYPE_U64) < 0)
		return -EBADMSG;
	p->bound = mnl_attr_get_u8(bound);
	p->hits = mnl_attr_get_u64(hits);
	return 0;
}

static int add_probe(struct mq_mod_stats *st, const struct nlattr *nest)
{
	struct mq_mod_probe *probes;

	probes = realloc(st->probes, (st->n_probes + 1) * sizeof(*probes));
	if (!probes)
		return -ENOMEM;
	st->probes = probes;
	return decode_probe(nest, &probes[st->n_probes++]);
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct mq_mod_stats *st = data;
	const struct nlattr *a;
	int err;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) == MEMQOS_A_STATS_PROBE)
			err = add_probe(st, a);
		else
			err = mq_field_vals_put(&st->v, &mq_stats_fields, a);
		if (err)
			return cb_result(err);
	}
	return MNL_CB_OK;
}

static int config_cb(const struct nlmsghdr *nlh, void *data)
{
	struct mq_mod_config *cfg = data;
	const struct nlattr *a;
	int err;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		err = mq_field_vals_put(&cfg->v, &mq_config_fields, a);
		if (err)
			return cb_result(err);
	}
	return MNL_CB_OK;
}

/* A do request without attributes; @got: whether a reply came. */
static int simple_get(struct mq_nl **nlp, uint8_t cmd, mnl_cb_t cb,
		      void *data, bool (*got)(const void *data))
{
	int err;

	err = mq_nl_ready(nlp, cmd);
	if (!err)
		err = mq_nl_request(*nlp,
				    mq_nl_msg_prepare(*nlp, cmd, 0),
				    cb, data);
	if (!err && !got(data))
		err = -EBADMSG;		/* ACK without a reply */
	return err;
}

static bool version_got(const void *data)
{
	return ((const struct mq_mod_version *)data)->module[0];
}

static bool stats_got(const void *data)
{
	return mq_field_any(&((const struct mq_mod_stats *)data)->v);
}

static bool config_got(const void *data)
{
	return mq_field_any(&((const struct mq_mod_config *)data)->v);
}

int mq_mod_version_get(struct mq_nl **nlp, struct mq_mod_version *ver)
{
	memset(ver, 0, sizeof(*ver));
	return simple_get(nlp, MEMQOS_CMD_GET_VERSION, version_cb, ver,
			  version_got);
}

int mq_mod_stats_get(struct mq_nl **nlp, struct mq_mod_stats *st)
{
	memset(st, 0, sizeof(*st));
	return simple_get(nlp, MEMQOS_CMD_STATS_GET, stats_cb, st, stats_got);
}

int mq_mod_config_get(struct mq_nl **nlp, struct mq_mod_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	return simple_get(nlp, MEMQOS_CMD_CONFIG_GET, config_cb, cfg,
			  config_got);
}

void mq_mod_stats_free(struct mq_mod_stats *st)
{
	free(st->probes);
	st->probes = NULL;
	st->n_probes = 0;
}

void mq_mod_stats_print(struct mq_print_ctx *pc, const struct mq_mod_stats *st,
			bool exact)
{
	size_t i;

	mq_field_print_all(pc, &mq_stats_fields, &st->v, exact, "", LABEL_WIDTH);
	mq_print_arr_begin(pc, "probes");
	mq_print_text(pc, "\n%-40s %-8s %s\n", "PROBE", "BOUND", "HITS");
	for (i = 0; i < st->n_probes; i++) {
		mq_print_obj_begin(pc, NULL);
		mq_print_str(pc, "name", "%-40s", st->probes[i].name);
		mq_print_bool(pc, "bound", " %-8s", st->probes[i].bound);
		mq_print_u64(pc, "hits_total", " %s\n", st->probes[i].hits);
		mq_print_obj_end(pc);
	}
	mq_print_arr_end(pc);
}

void mq_mod_config_print(struct mq_print_ctx *pc,
			 const struct mq_mod_config *cfg)
{
	mq_field_print_all(pc, &mq_config_fields, &cfg->v, true, "", 0);
}
