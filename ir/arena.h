/* arena.h: bump allocator for memory that lives as long as its owner.
 *
 * A module's strings, attributes and constant data come from one arena and are
 * released together by arena_free. Allocations are zeroed and aligned to 16
 * bytes. Allocation failure aborts: it is an environment failure, not bad input
 * (sizes that come from a model are checked against limits before allocating).
 */
#ifndef QONNXC_ARENA_H
#define QONNXC_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t bytes; /* total bytes handed out, for resource limits */
};

/* size bytes, 16-byte aligned, zeroed; _uninit leaves them as they are,
 * for buffers about to be written whole. */
void *arena_alloc(struct arena *a, size_t size);
void *arena_alloc_uninit(struct arena *a, size_t size);
void *arena_memdup(struct arena *a, const void *p, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void arena_free(struct arena *a);

/* Checked arithmetic for sizes derived from input; return 0 on overflow. */
int size_mul(size_t a, size_t b, size_t *out);

#endif
