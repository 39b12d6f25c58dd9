/* names.c: open-addressing hash table from names to indices (see names.h). */
#include "names.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct ir_names {
	int *slots; /* index + 1, 0 = empty */
	int cap, count;
	ir_name_of name_of;
	void *ctx;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

struct ir_names *ir_names_new(ir_name_of name_of, void *ctx)
{
	struct ir_names *t = calloc(1, sizeof *t);
	if (!t)
		abort();
	t->name_of = name_of;
	t->ctx = ctx;
	return t;
}

void ir_names_free(struct ir_names *t)
{
	if (t)
		free(t->slots);
	free(t);
}

void ir_names_clear(struct ir_names *t)
{
	if (t->slots)
		memset(t->slots, 0, (size_t)t->cap * sizeof *t->slots);
	t->count = 0;
}

int ir_names_find(struct ir_names *t, const char *name)
{
	if (!t->cap)
		return -1;
	size_t mask = (size_t)t->cap - 1;
	for (size_t i = hash(name) & mask;; i = (i + 1) & mask) {
		int s = t->slots[i];
		if (!s)
			return -1;
		if (!strcmp(t->name_of(t->ctx, s - 1), name))
			return s - 1;
	}
}

static void insert(struct ir_names *t, const char *name, int index)
{
	size_t mask = (size_t)t->cap - 1;
	size_t i = hash(name) & mask;
	while (t->slots[i])
		i = (i + 1) & mask;
	t->slots[i] = index + 1;
	t->count++;
}

static void grow(struct ir_names *t)
{
	int *old = t->slots, oldcap = t->cap;
	t->cap = oldcap ? oldcap * 2 : 64;
	t->slots = calloc((size_t)t->cap, sizeof *t->slots);
	if (!t->slots)
		abort();
	t->count = 0;
	for (int i = 0; i < oldcap; i++)
		if (old[i])
			insert(t, t->name_of(t->ctx, old[i] - 1), old[i] - 1);
	free(old);
}

void ir_names_add(struct ir_names *t, const char *name, int index)
{
	if ((t->count + 1) * 2 > t->cap)
		grow(t);
	insert(t, name, index);
}
