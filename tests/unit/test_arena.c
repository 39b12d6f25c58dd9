/* test_arena.c: ir/arena.{h,c}, the bump allocator.
 *
 * The contract (arena.h): allocations are zeroed and aligned to 16 bytes,
 * live until arena_free, and a.bytes counts what was handed out; size_mul
 * reports overflow instead of wrapping. Checked here with many small blocks,
 * blocks larger than a chunk mixed with small ones, and the string helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ir/arena.h"

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		if (c[i])
			return false;
	return true;
}

static void test_alignment_and_zeroing(void **state)
{
	(void)state;
	struct arena a = {0};
	for (size_t size = 0; size < 200; size++) {
		unsigned char *p = arena_alloc(&a, size);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		assert_true(all_zero(p, size));
		memset(p, 0xa5, size); /* dirty it; later blocks must still be zeroed */
	}
	assert_true(a.bytes >= 199 * 200 / 2);
	arena_free(&a);
	assert_null(a.head);
	assert_int_equal(a.bytes, 0);
}

/* Blocks stay where they are and keep their contents while more are added. */
static void test_blocks_do_not_overlap(void **state)
{
	(void)state;
	struct arena a = {0};
	enum { N = 5000, SIZE = 40 };
	static unsigned char *blocks[N];
	for (int i = 0; i < N; i++) {
		blocks[i] = arena_alloc(&a, SIZE);
		memset(blocks[i], i & 0xff, SIZE);
	}
	for (int i = 0; i < N; i++)
		for (int k = 0; k < SIZE; k++)
			if (blocks[i][k] != (i & 0xff))
				fail_msg("block %d byte %d was overwritten", i, k);
	arena_free(&a);
}

static void test_large_blocks(void **state)
{
	(void)state;
	struct arena a = {0};
	char *small1 = arena_alloc(&a, 100);
	strcpy(small1, "before the large block");
	/* larger than any chunk: its own block */
	size_t big = 3 * 1024 * 1024 + 7;
	unsigned char *p = arena_alloc(&a, big);
	assert_int_equal((uintptr_t)p % 16, 0);
	assert_true(all_zero(p, big));
	memset(p, 0xff, big);
	char *small2 = arena_alloc(&a, 100);
	assert_true(all_zero(small2, 100));
	strcpy(small2, "after the large block");
	/* a medium block around the chunk-splitting threshold */
	unsigned char *mid = arena_alloc(&a, 20000);
	assert_true(all_zero(mid, 20000));
	memset(mid, 0x11, 20000);
	assert_string_equal(small1, "before the large block");
	assert_string_equal(small2, "after the large block");
	assert_int_equal(p[0], 0xff);
	assert_int_equal(p[big - 1], 0xff);
	assert_true(a.bytes >= big + 20200);
	arena_free(&a);
	/* the arena is reusable after arena_free */
	char *again = arena_alloc(&a, 8);
	assert_true(all_zero(again, 8));
	arena_free(&a);
	arena_free(&a); /* freeing an empty arena is harmless */
}

static void test_memdup_strdup_printf(void **state)
{
	(void)state;
	struct arena a = {0};
	char name[16] = "conv_1";
	char *s = arena_strdup(&a, name);
	name[0] = 'X';
	assert_string_equal(s, "conv_1");
	assert_ptr_not_equal(s, name);
	assert_string_equal(arena_strdup(&a, ""), "");

	const int64_t dims[3] = {1, -2, 3};
	int64_t *d = arena_memdup(&a, dims, sizeof dims);
	assert_int_equal((uintptr_t)d % 16, 0);
	assert_memory_equal(d, dims, sizeof dims);
	assert_non_null(arena_memdup(&a, NULL, 0));

	assert_string_equal(arena_printf(&a, "%s_%d:%.2f", "node", 42, 0.5), "node_42:0.50");
	assert_string_equal(arena_printf(&a, "%s", ""), "");
	/* output longer than a chunk */
	char *long_s = arena_printf(&a, "%*s|", 100000, "x");
	assert_int_equal(strlen(long_s), 100001);
	assert_int_equal(long_s[99999], 'x');
	assert_int_equal(long_s[100000], '|');
	assert_int_equal(long_s[0], ' ');
	arena_free(&a);
}

static void test_size_mul(void **state)
{
	(void)state;
	size_t r = 12345;
	assert_int_equal(size_mul(6, 7, &r), 1);
	assert_int_equal(r, 42);
	assert_int_equal(size_mul(0, SIZE_MAX, &r), 1);
	assert_int_equal(r, 0);
	assert_int_equal(size_mul(SIZE_MAX, 1, &r), 1);
	assert_true(r == SIZE_MAX);
	assert_int_equal(size_mul(SIZE_MAX / 2 + 1, 2, &r), 0);
	assert_int_equal(size_mul((size_t)1 << (sizeof(size_t) * 4), (size_t)1 << (sizeof(size_t) * 4), &r),
			 0);
	assert_int_equal(size_mul(SIZE_MAX / 3, 3, &r), 1);
	assert_true(r == SIZE_MAX / 3 * 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment_and_zeroing),
		cmocka_unit_test(test_blocks_do_not_overlap),
		cmocka_unit_test(test_large_blocks),
		cmocka_unit_test(test_memdup_strdup_printf),
		cmocka_unit_test(test_size_mul),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
