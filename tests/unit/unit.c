// SPDX-License-Identifier: GPL-2.0
/*
 * Runner and checks of the unit test framework, see unit.h.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

extern const struct unit_suite unit_self_suite;
extern const struct unit_suite units_suite;
extern const struct unit_suite json_suite;
extern const struct unit_suite print_suite;
extern const struct unit_suite hist_suite;
extern const struct unit_suite cgroup_arg_suite;
extern const struct unit_suite cgrec_suite;
extern const struct unit_suite prom_suite;
extern const struct unit_suite prom_daemon_suite;
extern const struct unit_suite toprate_suite;
extern const struct unit_suite daemon_config_suite;
extern const struct unit_suite classify_suite;
extern const struct unit_suite policy_suite;
extern const struct unit_suite state_suite;
extern const struct unit_suite attrib_suite;
extern const struct unit_suite blame_suite;
extern const struct unit_suite cgfs_suite;
extern const struct unit_suite cgident_suite;
extern const struct unit_suite httpneg_suite;
extern const struct unit_suite membuf_suite;
extern const struct unit_suite conflict_suite;

static const struct unit_suite *const suites[] = {
	&unit_self_suite,
	&units_suite,
	&json_suite,
	&print_suite,
	&hist_suite,
	&cgroup_arg_suite,
	&cgrec_suite,
	&prom_suite,
	&prom_daemon_suite,
	&toprate_suite,
	&daemon_config_suite,
	&classify_suite,
	&policy_suite,
	&state_suite,
	&attrib_suite,
	&blame_suite,
	&cgfs_suite,
	&cgident_suite,
	&httpneg_suite,
	&membuf_suite,
	&conflict_suite,
};

#define N_SUITES	(sizeof(suites) / sizeof(suites[0]))

static struct {
	bool failed;			/* current test */
	bool muted;
	unsigned int muted_failures;
	FILE *capture_fp;
	char *capture_buf;
	size_t capture_len;
} state;

static bool check(bool ok)
{
	if (ok)
		return true;
	if (state.muted)
		state.muted_failures++;
	else
		state.failed = true;
	return false;
}

/* A string on one diagnostic line: quoted, invisible bytes escaped. */
static void print_quoted(const char *s)
{
	if (!s) {
		fputs("NULL", stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static bool diag_wanted(void)
{
	return !state.muted;
}

bool unit_expect_true(bool ok, const char *expr, const char *file,
		      int line)
{
	if (!ok && diag_wanted())
		printf("# %s:%d: expected true got false: %s\n", file, line,
		       expr);
	return check(ok);
}

bool unit_expect_s64(int64_t got, int64_t expected, const char *file,
		     int line)
{
	bool ok = got == expected;

	if (!ok && diag_wanted())
		printf("# %s:%d: expected %" PRId64 " got %" PRId64 "\n",
		       file, line, expected, got);
	return check(ok);
}

bool unit_expect_u64(uint64_t got, uint64_t expected, const char *file,
		     int line)
{
	bool ok = got == expected;

	if (!ok && diag_wanted())
		printf("# %s:%d: expected %" PRIu64 " got %" PRIu64 "\n",
		       file, line, expected, got);
	return check(ok);
}

bool unit_expect_str(const char *got, const char *expected,
		     const char *file, int line)
{
	bool ok = got && expected ? !strcmp(got, expected) : got == expected;

	if (!ok && diag_wanted()) {
		printf("# %s:%d: expected ", file, line);
		print_quoted(expected);
		fputs(" got ", stdout);
		print_quoted(got);
		putchar('\n');
	}
	return check(ok);
}

void unit_mute_begin(void)
{
	state.muted = true;
	state.muted_failures = 0;
}

unsigned int unit_mute_end(void)
{
	state.muted = false;
	return state.muted_failures;
}

FILE *unit_capture_begin(void)
{
	free(state.capture_buf);
	state.capture_buf = NULL;
	state.capture_fp = open_memstream(&state.capture_buf,
					  &state.capture_len);
	if (!state.capture_fp) {
		perror("open_memstream");
		exit(2);
	}
	return state.capture_fp;
}

const char *unit_capture_end(void)
{
	fclose(state.capture_fp);
	state.capture_fp = NULL;
	return state.capture_buf;
}

bool unit_has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	for (p = text; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static void capture_cleanup(void)
{
	if (state.capture_fp) {
		printf("# test left a capture open\n");
		state.failed = true;
		unit_capture_end();
	}
	free(state.capture_buf);
	state.capture_buf = NULL;
}

static bool name_matches(const char *filter, const struct unit_suite *s,
			 const struct unit_test *t)
{
	size_t len = strlen(s->name);

	if (strncmp(filter, s->name, len))
		return false;
	if (!filter[len])
		return true;		/* whole suite */
	return filter[len] == '.' && !strcmp(filter + len + 1, t->name);
}

static bool selected(const struct unit_suite *s, const struct unit_test *t,
		     int argc, char **argv)
{
	int i;

	if (argc < 2)
		return true;
	for (i = 1; i < argc; i++) {
		if (name_matches(argv[i], s, t))
			return true;
	}
	return false;
}

/* A filter that selects nothing is a typo, not a pass. */
static bool filters_valid(int argc, char **argv)
{
	bool valid = true;
	size_t i, j;
	int arg;

	for (arg = 1; arg < argc; arg++) {
		bool found = false;

		for (i = 0; i < N_SUITES && !found; i++) {
			for (j = 0; j < suites[i]->n_tests && !found; j++)
				found = name_matches(argv[arg], suites[i],
						     &suites[i]->tests[j]);
		}
		if (!found) {
			fprintf(stderr, "run-unit: no test matches '%s'\n",
				argv[arg]);
			valid = false;
		}
	}
	return valid;
}

int main(int argc, char **argv)
{
	unsigned int planned = 0, number = 0, failed = 0;
	size_t i, j;

	/* a crash must not swallow the results printed so far */
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!filters_valid(argc, argv))
		return 2;

	for (i = 0; i < N_SUITES; i++) {
		for (j = 0; j < suites[i]->n_tests; j++)
			planned += selected(suites[i], &suites[i]->tests[j],
					    argc, argv);
	}

	printf("KTAP version 1\n1..%u\n", planned);
	for (i = 0; i < N_SUITES; i++) {
		const struct unit_suite *s = suites[i];

		for (j = 0; j < s->n_tests; j++) {
			const struct unit_test *t = &s->tests[j];

			if (!selected(s, t, argc, argv))
				continue;
			state.failed = false;
			t->fn();
			capture_cleanup();
			if (state.muted) {
				printf("# test left checks muted\n");
				state.failed = true;
				unit_mute_end();
			}
			failed += state.failed;
			printf("%s %u - %s.%s\n",
			       state.failed ? "not ok" : "ok", ++number,
			       s->name, t->name);
		}
	}

	printf("# Totals: pass:%u fail:%u\n", number - failed, failed);
	printf("unit: %u passed, %u failed\n", number - failed, failed);
	return failed ? 1 : 0;
}
