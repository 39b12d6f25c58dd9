/* arena.c: chunked bump allocator (see arena.h). */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ARENA_CHUNK = 64 * 1024, ARENA_ALIGN = 16 };

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

static struct arena_chunk *chunk_new(size_t size, struct arena_chunk *next)
{
	struct arena_chunk *c = malloc(sizeof *c + size);
	if (!c) {
		fprintf(stderr, "qonnxc: fatal: out of memory (%zu bytes)\n", size);
		abort();
	}
	c->next = next;
	c->used = 0;
	c->size = size;
	return c;
}

void *arena_alloc_uninit(struct arena *a, size_t size)
{
	size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (rounded < size)
		abort();
	struct arena_chunk *c = a->head;
	if (!c || c->size - c->used < rounded) {
		if (rounded > ARENA_CHUNK / 4) {
			/* Large block: its own chunk, kept behind the current head
			 * so the head's free space is not wasted. */
			struct arena_chunk *big = chunk_new(rounded, c ? c->next : NULL);
			if (c)
				c->next = big;
			else
				a->head = big;
			big->used = rounded;
			a->bytes += rounded;
			return big->data;
		}
		c = a->head = chunk_new(ARENA_CHUNK, c);
	}
	void *p = c->data + c->used;
	c->used += rounded;
	a->bytes += rounded;
	return p;
}

void *arena_alloc(struct arena *a, size_t size)
{
	void *p = arena_alloc_uninit(a, size);
	/* the padding up to the alignment too, as it always was */
	memset(p, 0, (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1));
	return p;
}

void *arena_memdup(struct arena *a, const void *p, size_t size)
{
	void *q = arena_alloc(a, size);
	if (size)
		memcpy(q, p, size);
	return q;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_memdup(a, s, strlen(s) + 1);
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char probe[1];
	va_start(ap, fmt);
	int n = vsnprintf(probe, sizeof probe, fmt, ap);
	va_end(ap);
	char *s = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->bytes = 0;
}

int size_mul(size_t a, size_t b, size_t *out)
{
	if (a && b > SIZE_MAX / a)
		return 0;
	*out = a * b;
	return 1;
}
