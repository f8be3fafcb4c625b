/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink attribute reads inlined, for the decode loop of big dumps.
 *
 * libmnl's mnl_attr_*() are calls into the shared library: walking,
 * typing, sizing and reading one attribute took six of them, and a
 * cgroup has about a hundred attributes. These do the same checks as
 * mnl_attr_ok(), mnl_attr_next() and mnl_attr_get_*() in line. Everything
 * else (sockets, building messages, the rest of the decoders) stays with
 * libmnl.
 */
#ifndef MEMQOS_NLA_INLINE_H
#define MEMQOS_NLA_INLINE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <libmnl/libmnl.h>

static inline uint16_t mq_nla_type_of(const struct nlattr *a)
{
	return a->nla_type & NLA_TYPE_MASK;
}

static inline uint16_t mq_nla_payload_len(const struct nlattr *a)
{
	return a->nla_len - MNL_ATTR_HDRLEN;
}

static inline const void *mq_nla_payload(const struct nlattr *a)
{
	return (const char *)a + MNL_ATTR_HDRLEN;
}

/* mnl_attr_ok(): the header and the payload lie within @end. */
static inline bool mq_nla_fits(const struct nlattr *a, const void *end)
{
	long room = (const char *)end - (const char *)a;

	return room >= (long)sizeof(*a) && a->nla_len >= sizeof(*a) &&
	       a->nla_len <= room;
}

static inline const struct nlattr *mq_nla_next_of(const struct nlattr *a)
{
	return (const void *)((const char *)a + MNL_ALIGN(a->nla_len));
}

/* Unaligned-safe, as mnl_attr_get_u64(); false unless 8 bytes long. */
static inline bool mq_nla_u64(const struct nlattr *a, uint64_t *v)
{
	if (mq_nla_payload_len(a) != sizeof(*v))
		return false;
	memcpy(v, mq_nla_payload(a), sizeof(*v));
	return true;
}

/*
 * Each attribute of the message @nlh after a header of @hdrlen bytes;
 * @end (const void *) holds where the message ends.
 */
#define nla_for_each_msg(a, end, nlh, hdrlen)				\
	for ((end) = mnl_nlmsg_get_payload_tail(nlh),			\
	     (a) = mnl_nlmsg_get_payload_offset((nlh), (hdrlen));	\
	     mq_nla_fits((a), (end));					\
	     (a) = mq_nla_next_of(a))

/* Each attribute nested in @nest. */
#define nla_for_each_nested(a, nest)					\
	for ((a) = mq_nla_payload(nest);				\
	     mq_nla_fits((a), (const char *)(nest) + (nest)->nla_len);	\
	     (a) = mq_nla_next_of(a))

#endif /* MEMQOS_NLA_INLINE_H */
