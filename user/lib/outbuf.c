// SPDX-License-Identifier: GPL-2.0
/*
 * A write buffer in front of a FILE, see outbuf.h.
 */
#include "outbuf.h"
#include "units.h"

void mq_outbuf_flush(struct mq_outbuf *o)
{
	fwrite_unlocked(o->buf, 1, o->len, o->fp);
	o->len = 0;
}

void mq_outbuf_put_long(struct mq_outbuf *o, const void *s, size_t n)
{
	mq_outbuf_flush(o);
	if (n > sizeof(o->buf)) {
		fwrite_unlocked(s, 1, n, o->fp);
		return;
	}
	memcpy(o->buf, s, n);
	o->len = n;
}

void mq_outbuf_u64(struct mq_outbuf *o, uint64_t v)
{
	char tmp[UNITS_U64_LEN], *digits;
	size_t n;

	/* most counters of most cgroups are 0 */
	if (v < 10) {
		mq_outbuf_char(o, '0' + v);
		return;
	}
	digits = mq_units_u64_dec(tmp, v, &n);
	mq_outbuf_put(o, digits, n);
}
