// SPDX-License-Identifier: GPL-2.0
/*
 * user/lib/httpneg.c: whether a scraper accepts gzip.
 */
#include "httpneg.h"
#include "unit.h"

static void accepts_gzip(void)
{
	/* what Prometheus sends */
	EXPECT_TRUE(mq_http_accepts_gzip("gzip"));
	EXPECT_TRUE(mq_http_accepts_gzip("gzip, deflate, br"));
	EXPECT_TRUE(mq_http_accepts_gzip("deflate,GZIP;q=0.5"));
	EXPECT_TRUE(mq_http_accepts_gzip("x-gzip"));
	EXPECT_TRUE(mq_http_accepts_gzip("*"));
	EXPECT_TRUE(mq_http_accepts_gzip("br;q=1, *;q=0.1"));
	EXPECT_TRUE(mq_http_accepts_gzip("gzip;q=0.001"));
	EXPECT_TRUE(mq_http_accepts_gzip(" gzip ; q=1.0 "));
}

static void refuses_gzip(void)
{
	EXPECT_TRUE(!mq_http_accepts_gzip(NULL));
	EXPECT_TRUE(!mq_http_accepts_gzip(""));
	EXPECT_TRUE(!mq_http_accepts_gzip("identity"));
	EXPECT_TRUE(!mq_http_accepts_gzip("deflate, br"));
	EXPECT_TRUE(!mq_http_accepts_gzip("gzip;q=0"));
	EXPECT_TRUE(!mq_http_accepts_gzip("gzip; q=0.000"));
	/* named gzip wins over * */
	EXPECT_TRUE(!mq_http_accepts_gzip("*, gzip;q=0"));
	EXPECT_TRUE(!mq_http_accepts_gzip("*;q=0"));
	EXPECT_TRUE(!mq_http_accepts_gzip("gzipped"));
	EXPECT_TRUE(!mq_http_accepts_gzip(",,, ;"));
}

static const struct unit_test tests[] = {
	UNIT_TEST(accepts_gzip),
	UNIT_TEST(refuses_gzip),
};
UNIT_SUITE(httpneg_suite, "httpneg", tests);
