/* test_hooks.h: the environment switches the reliability tests use to
 * reach moments of writing outputs that are otherwise too short to hit
 * (tests/reliability/). Read by compiler/outfile.c and the HLS project
 * writer; nothing else depends on them.
 *
 *   QONNXC_FAIL_AT=POINT        a write fails at POINT (commit, hls-commit)
 *   QONNXC_TEST_PAUSE_WRITE=S   sleep S seconds in the middle of a write
 *   QONNXC_TEST_FALLBACK=1      use the portable paths (named temporaries,
 *                               two renames) where Linux offers better ones
 */
#ifndef QONNXC_IR_TEST_HOOKS_H
#define QONNXC_IR_TEST_HOOKS_H

#include <stdbool.h>

/* Whether QONNXC_FAIL_AT names point. */
bool test_hook_fail_at(const char *point);
/* Whether QONNXC_TEST_FALLBACK is set and not "0". */
bool test_hook_fallback(void);
/* Sleeps QONNXC_TEST_PAUSE_WRITE seconds, if set. */
void test_hook_pause(void);

#endif
