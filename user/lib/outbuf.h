/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A write buffer in front of a FILE, for the dump's writers.
 *
 * A dump of 10,000 cgroups is millions of short keys, labels and numbers.
 * Each stdio call (fwrite, fputs: a trip through the FILE's jump table)
 * cost more than copying its bytes; these copy into a local buffer and
 * hand it to stdio a few kilobytes at a time.
 */
#ifndef MEMQOS_OUTBUF_H
#define MEMQOS_OUTBUF_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct mq_outbuf {
	FILE *fp;
	size_t len;
	char buf[8192];
};

static inline void mq_outbuf_init(struct mq_outbuf *o, FILE *fp)
{
	o->fp = fp;
	o->len = 0;
}

/* Hands what is buffered to the FILE (call before writing to it). */
void mq_outbuf_flush(struct mq_outbuf *o);
/* A run longer than the buffer: straight to the FILE. */
void mq_outbuf_put_long(struct mq_outbuf *o, const void *s, size_t n);

static inline void mq_outbuf_put(struct mq_outbuf *o, const void *s, size_t n)
{
	const char *p = s;
	char *d;

	if (o->len + n > sizeof(o->buf)) {
		mq_outbuf_put_long(o, s, n);
		return;
	}
	d = o->buf + o->len;
	o->len += n;
	/* most runs are a few bytes: a memcpy() call costs more */
	if (n > 16) {
		memcpy(d, p, n);
		return;
	}
	while (n--)
		*d++ = *p++;
}

static inline void mq_outbuf_str(struct mq_outbuf *o, const char *s)
{
	mq_outbuf_put(o, s, strlen(s));
}

static inline void mq_outbuf_char(struct mq_outbuf *o, char c)
{
	mq_outbuf_put(o, &c, 1);
}

/* @v in decimal. */
void mq_outbuf_u64(struct mq_outbuf *o, uint64_t v);

#endif /* MEMQOS_OUTBUF_H */
