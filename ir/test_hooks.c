/* test_hooks.c: see test_hooks.h. */
#include "test_hooks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool test_hook_fail_at(const char *point)
{
	const char *v = getenv("QONNXC_FAIL_AT");
	return v && !strcmp(v, point);
}

bool test_hook_fallback(void)
{
	const char *v = getenv("QONNXC_TEST_FALLBACK");
	return v && *v && strcmp(v, "0");
}

void test_hook_pause(void)
{
	const char *v = getenv("QONNXC_TEST_PAUSE_WRITE");
	double s = v ? strtod(v, NULL) : 0;
	if (s > 0) {
		struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}
