// SPDX-License-Identifier: GPL-2.0
/*
 * A FILE over one growing buffer, see membuf.h.
 */
#include <stdlib.h>
#include <string.h>

#include "membuf.h"

static ssize_t membuf_write(void *cookie, const char *p, size_t n)
{
	struct mq_membuf *b = cookie;
	size_t cap = b->cap;
	char *buf;

	/* one byte more for the NUL */
	while (b->len + n >= cap)
		cap = cap * 2 + n;
	if (cap != b->cap) {
		buf = realloc(b->buf, cap);
		if (!buf) {
			b->failed = true;
			return -1;
		}
		b->buf = buf;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return n;
}

FILE *mq_membuf_open(struct mq_membuf *b, size_t hint)
{
	static const cookie_io_functions_t io = { .write = membuf_write };
	FILE *fp;

	*b = (struct mq_membuf){ .cap = hint ? hint : 4096 };
	b->buf = malloc(b->cap);
	if (!b->buf)
		return NULL;
	fp = fopencookie(b, "w", io);
	if (!fp) {
		free(b->buf);
		b->buf = NULL;
		return NULL;
	}
	/*
	 * No stdio buffer: the buffer is the copy. Writers of many small
	 * pieces gather them first (mq_outbuf), and each of their flushes
	 * is then copied once, not into stdio's buffer and out again.
	 */
	setvbuf(fp, NULL, _IONBF, 0);
	return fp;
}

int mq_membuf_close(struct mq_membuf *b, FILE *fp)
{
	/* fclose() flushes: a failure shows in b->failed too */
	if (fclose(fp) || b->failed) {
		free(b->buf);
		b->buf = NULL;
		return -1;
	}
	b->buf[b->len] = '\0';
	return 0;
}
