/* perm.c: permutations of tensor axes for the channels-last pass
 * (channels_last.h), and moving constant data by them.
 *
 * A perm is what ONNX Transpose takes: Transpose(x, p) has dims[k] =
 * x.dims[p[k]], and its element at index j is x's element at the index i
 * with i[p[k]] = j[k]. Two Transposes in a row compose into one:
 * Transpose(Transpose(x, a), b) = Transpose(x, c) with c[k] = a[b[k]].
 */
#include "channels_last.h"

#include <assert.h>
#include <string.h>

struct chl_perm chl_perm_identity(int rank)
{
	struct chl_perm p = {.rank = rank};
	for (int k = 0; k < rank; k++)
		p.p[k] = k;
	return p;
}

struct chl_perm chl_perm_to_nhwc(int rank)
{
	struct chl_perm p = chl_perm_identity(rank);
	for (int k = 1; k + 1 < rank; k++)
		p.p[k] = k + 1;
	if (rank >= 2)
		p.p[rank - 1] = 1;
	return p;
}

struct chl_perm chl_perm_to_nchw(int rank)
{
	struct chl_perm p = chl_perm_to_nhwc(rank);
	return chl_perm_inverse(&p);
}

bool chl_perm_is_identity(const struct chl_perm *p)
{
	for (int k = 0; k < p->rank; k++)
		if (p->p[k] != k)
			return false;
	return true;
}

bool chl_perm_equal(const struct chl_perm *a, const struct chl_perm *b)
{
	return a->rank == b->rank && !memcmp(a->p, b->p, (size_t)a->rank * sizeof a->p[0]);
}

struct chl_perm chl_perm_inverse(const struct chl_perm *p)
{
	struct chl_perm q = {.rank = p->rank};
	for (int k = 0; k < p->rank; k++)
		q.p[p->p[k]] = k;
	return q;
}

struct chl_perm chl_perm_then(const struct chl_perm *first, const struct chl_perm *second)
{
	assert(first->rank == second->rank);
	struct chl_perm c = {.rank = first->rank};
	for (int k = 0; k < c.rank; k++)
		c.p[k] = first->p[second->p[k]];
	return c;
}

bool chl_perm_of_transpose(const struct ir_op *op, int rank, struct chl_perm *out)
{
	int n;
	const int64_t *a = ir_attr_ints(op, "perm", &n);
	bool seen[IR_MAX_RANK] = {false};
	if (rank < 0 || rank > IR_MAX_RANK || (a && n != rank))
		return false;
	out->rank = rank;
	for (int k = 0; k < rank; k++) {
		int64_t v = a ? a[k] : rank - 1 - k;
		if (v < 0 || v >= rank || seen[v])
			return false;
		seen[v] = true;
		out->p[k] = (int)v;
	}
	return true;
}

struct ir_type chl_perm_type(const struct ir_type *t, const struct chl_perm *p)
{
	assert(t->rank == p->rank);
	struct ir_type out = *t;
	for (int k = 0; k < t->rank; k++)
		out.dims[k] = t->dims[p->p[k]];
	return out;
}

bool chl_perm_is_trivial(const struct ir_type *t, const struct chl_perm *p)
{
	int last = -1;
	for (int k = 0; k < p->rank; k++) {
		if (t->dims[p->p[k]] == 0)
			return true; /* no elements at all */
		if (t->dims[p->p[k]] == 1)
			continue;
		if (p->p[k] < last)
			return false;
		last = p->p[k];
	}
	return true;
}

void chl_perm_data(const struct ir_type *t, const void *src, const struct chl_perm *p, void *dst)
{
	size_t esz = ir_storage_size(t->elem);
	int r = t->rank;
	int64_t stride[IR_MAX_RANK], dims[IR_MAX_RANK], step[IR_MAX_RANK], idx[IR_MAX_RANK] = {0};
	int64_t s = 1, n = ir_type_numel(t), off = 0;
	for (int k = r - 1; k >= 0; k--) {
		stride[k] = s;
		s *= t->dims[k];
	}
	for (int k = 0; k < r; k++) {
		dims[k] = t->dims[p->p[k]];
		step[k] = stride[p->p[k]];
	}
	const char *from = src;
	char *to = dst;
	for (int64_t i = 0; i < n; i++) {
		memcpy(to + (size_t)i * esz, from + (size_t)off * esz, esz);
		for (int k = r - 1; k >= 0; k--) {
			off += step[k];
			if (++idx[k] < dims[k])
				break;
			off -= step[k] * idx[k];
			idx[k] = 0;
		}
	}
}
