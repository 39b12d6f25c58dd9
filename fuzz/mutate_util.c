/* mutate_util.c: what the mutations share: a splitmix64 generator, the
 * interesting values (limits of integer widths, zero, signs, special
 * floats), malloc'd strings and arrays inside protobuf-c messages, and the
 * tensor names of a graph. */
#include "mutate.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

uint64_t mut_next(struct mut_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t mut_below(struct mut_rng *r, uint64_t n)
{
	return n ? mut_next(r) % n : 0;
}

bool mut_chance(struct mut_rng *r, int one_in)
{
	return mut_below(r, (uint64_t)one_in) == 0;
}

static const int64_t interesting_ints[] = {
	0, 1, -1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 255, 256,
	1000, 4096, 65535, 65536, -2, -3, -8, -128, -129, 0x7fffffff, -0x7fffffff - 1,
	0x80000000ll, 0xffffffffll, 0x100000000ll, INT64_MAX, INT64_MIN, INT64_MAX / 2,
	(int64_t)1 << 40, -((int64_t)1 << 40),
};

int64_t mut_int(struct mut_rng *r, int64_t old)
{
	switch (mut_below(r, 6)) {
	case 0: return interesting_ints[mut_below(r, sizeof interesting_ints / sizeof *interesting_ints)];
	case 1: return (int64_t)((uint64_t)old + mut_below(r, 5) - 2);
	case 2: return (int64_t)((uint64_t)old * 2);
	case 3: return (int64_t)(0 - (uint64_t)old);
	case 4: return (int64_t)mut_below(r, 17) - 4;
	default: return (int64_t)mut_next(r);
	}
}

static const double interesting_floats[] = {
	0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 3.0, 8.0, 0.1, 1e-3, 1e-7, 1e-30, 1e-45, 1.5, 2.5,
	-2.5, 255.0, 256.0, 65.0, 1e10, 1e30, 1e38, 3.5e38, FLT_MAX, FLT_MIN, DBL_MAX, 1e300,
	4294967296.0, 9.3e18, -9.3e18,
};

double mut_float(struct mut_rng *r, double old)
{
	switch (mut_below(r, 7)) {
	case 0: return interesting_floats[mut_below(r, sizeof interesting_floats / sizeof *interesting_floats)];
	case 1: return NAN;
	case 2: return mut_chance(r, 2) ? INFINITY : -INFINITY;
	case 3: return old * (mut_chance(r, 2) ? 2.0 : 0.5);
	case 4: return -old;
	case 5: return (double)((int64_t)mut_below(r, 33) - 16) * 0.25;
	default: return old + ((double)mut_below(r, 1000) - 500.0) / 100.0;
	}
}

const char *mut_pick(struct mut_rng *r, const char *const *list, int n)
{
	return list[mut_below(r, (uint64_t)n)];
}

char *mut_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (!p)
		abort();
	return memcpy(p, s, n);
}

void *mut_append(void *p, size_t *n, size_t size)
{
	char *q = realloc(p, (*n + 1) * size);
	if (!q)
		abort();
	memset(q + *n * size, 0, size);
	(*n)++;
	return q;
}

void mut_remove(void *p, size_t *n, size_t size, size_t i)
{
	char *c = p;
	memmove(c + i * size, c + (i + 1) * size, (*n - i - 1) * size);
	(*n)--;
}

void mut_set_string(char **field, const char *s)
{
	char *copy = s ? mut_strdup(s) : NULL;
	free(*field);
	*field = copy;
}

void *mut_copy_message(const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len + 1);
	if (!buf)
		abort();
	protobuf_c_message_pack(m, buf);
	ProtobufCMessage *copy = protobuf_c_message_unpack(m->descriptor, NULL, len, buf);
	free(buf);
	return copy;
}

const char **mut_tensor_names(const Onnx__GraphProto *g, size_t *n)
{
	size_t cap = g->n_input + g->n_initializer + 1, count = 0;
	for (size_t i = 0; i < g->n_node; i++)
		cap += g->node[i]->n_output;
	const char **names = malloc(cap * sizeof *names);
	if (!names)
		abort();
	for (size_t i = 0; i < g->n_input; i++)
		if (g->input[i]->name)
			names[count++] = g->input[i]->name;
	for (size_t i = 0; i < g->n_initializer; i++)
		if (g->initializer[i]->name)
			names[count++] = g->initializer[i]->name;
	for (size_t i = 0; i < g->n_node; i++)
		for (size_t k = 0; k < g->node[i]->n_output; k++)
			names[count++] = g->node[i]->output[k];
	*n = count;
	return names;
}
