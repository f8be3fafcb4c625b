// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/membuf.c: a FILE over one buffer, grown past its hint.
 */
#include <stdlib.h>
#include <string.h>

#include "membuf.h"
#include "unit.h"

static void within_hint(void)
{
	struct mq_membuf b;
	FILE *fp = mq_membuf_open(&b, 64);

	EXPECT_TRUE(fp != NULL);
	fprintf(fp, "%s=%d\n", "x", 42);
	fputs("y", fp);
	EXPECT_INT_EQ(mq_membuf_close(&b, fp), 0);
	EXPECT_INT_EQ(b.len, 6);
	EXPECT_STR_EQ(b.buf, "x=42\ny");
	EXPECT_INT_EQ(b.cap, 64);
	free(b.buf);
}

static void empty(void)
{
	struct mq_membuf b;
	FILE *fp = mq_membuf_open(&b, 0);

	EXPECT_INT_EQ(mq_membuf_close(&b, fp), 0);
	EXPECT_INT_EQ(b.len, 0);
	EXPECT_STR_EQ(b.buf, "");
	free(b.buf);
}

/* Past the hint, in small writes and in one larger than stdio's buffer. */
static void grows(void)
{
	size_t big = 100000, i;
	char *block = malloc(big);
	struct mq_membuf b;
	FILE *fp = mq_membuf_open(&b, 16);

	for (i = 0; i < big; i++)
		block[i] = 'a' + i % 26;
	for (i = 0; i < 1000; i++)
		fprintf(fp, "%03zu,", i);
	fwrite(block, 1, big, fp);
	putc('!', fp);
	EXPECT_INT_EQ(mq_membuf_close(&b, fp), 0);
	EXPECT_INT_EQ(b.len, 4000 + big + 1);
	EXPECT_TRUE(!memcmp(b.buf, "000,001,002,", 12));
	EXPECT_TRUE(!memcmp(b.buf + 3996, "999,", 4));
	EXPECT_TRUE(!memcmp(b.buf + 4000, block, big));
	EXPECT_STR_EQ(b.buf + 4000 + big, "!");
	EXPECT_TRUE(b.cap > b.len);
	free(b.buf);
	free(block);
}

static const struct unit_test tests[] = {
	UNIT_TEST(within_hint),
	UNIT_TEST(empty),
	UNIT_TEST(grows),
};
UNIT_SUITE(membuf_suite, "membuf", tests);
