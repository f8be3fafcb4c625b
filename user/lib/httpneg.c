// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP header values the exporter negotiates on, see httpneg.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpneg.h"

#define SPACE	" \t"

/* Whether the parameters from @p to @end hold a q of 0 ("q=0.000"). */
static bool q_is_zero(const char *p, const char *end)
{
	const char *q;

	while (p < end) {
		p += strspn(p, SPACE ";");
		if (p + 2 <= end && (p[0] == 'q' || p[0] == 'Q') &&
		    p[1] == '=') {
			/* q is 0, 0., 0.0.. or 1..: zero if no nonzero digit */
			for (q = p + 2; q < end && strchr("0.", *q); q++)
				;
			return q == end || strchr(SPACE ";", *q);
		}
		p = memchr(p, ';', end - p) ?: end;
	}
	return false;
}

bool mq_http_accepts_gzip(const char *accept_encoding)
{
	const char *p = accept_encoding, *end, *name_end;
	int gzip = -1, star = -1;	/* -1 not named, else allowed */
	size_t len;

	if (!p)
		return false;
	while (*p) {
		p += strspn(p, SPACE ",");
		if (!*p)
			break;
		end = p + strcspn(p, ",");
		len = strcspn(p, SPACE ";,");
		name_end = p + len;
		if (len == 4 && !strncasecmp(p, "gzip", 4))
			gzip = !q_is_zero(name_end, end);
		else if (len == 6 && !strncasecmp(p, "x-gzip", 6) && gzip < 0)
			gzip = !q_is_zero(name_end, end);
		else if (len == 1 && *p == '*')
			star = !q_is_zero(name_end, end);
		p = end;
	}
	return gzip >= 0 ? gzip : star > 0;
}
