/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A FILE that writes into one malloc'ed buffer, sized up front.
 *
 * open_memstream(3) grows its buffer by allocating a larger one, copying
 * and zeroing the rest, each time it fills: for a 1.4 MB scrape that was a
 * copy and a memset of the whole body again. A writer that knows about
 * how much it will write (the last scrape's size) allocates that once.
 */
#ifndef MEMQOS_MEMBUF_H
#define MEMQOS_MEMBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct mq_membuf {
	char *buf;
	size_t len, cap;
	bool failed;		/* a write found no memory */
};

/*
 * A FILE writing into @b, whose buffer starts at @hint bytes (grown if
 * need be); NULL without memory.
 */
FILE *mq_membuf_open(struct mq_membuf *b, size_t hint);

/*
 * Closes @fp: @b->buf (malloc'ed, the caller's; NUL-terminated past
 * @b->len) holds what was written. -1 and nothing to free if a write
 * failed, else 0.
 */
int mq_membuf_close(struct mq_membuf *b, FILE *fp);

#endif /* MEMQOS_MEMBUF_H */
