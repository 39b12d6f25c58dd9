/* plan.c: workspace offsets from liveness over the op order (see plan.h).
 *
 * Live ranges come from definitions and uses (a root's extended over its
 * aliases'). Placement is greedy by size:
 * tensors in decreasing size (ties by first position, then value index, so
 * the plan is deterministic) each take the lowest aligned offset where they
 * overlap no already placed tensor live at the same time. Quadratic in the
 * number of tensors, which stays in the thousands.
 */
#include "plan.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static int64_t align_up(int64_t n)
{
	return (n + PLAN_ALIGN - 1) / PLAN_ALIGN * PLAN_ALIGN;
}

/* Live range of value v: first writer to last reader. */
static void live_range(struct ir_module *m, int v, int *first, int *last)
{
	const struct ir_value *val = &m->values[v];
	int lo = val->kind == IR_VALUE_RESULT && val->def != IR_NONE ? val->def + 1 : 0;
	int hi = lo, n;
	const struct ir_use *u = ir_uses(m, v, &n);
	for (int k = 0; k < n; k++)
		if (!m->ops[u[k].op].dead && u[k].op + 1 > hi)
			hi = u[k].op + 1;
	for (int k = 0; k < m->noutputs; k++)
		if (m->outputs[k] == v)
			hi = m->nops + 1;
	*first = lo;
	*last = hi;
}

static int by_size(const void *pa, const void *pb)
{
	const struct plan_entry *a = *(const struct plan_entry *const *)pa;
	const struct plan_entry *b = *(const struct plan_entry *const *)pb;
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return (a->value > b->value) - (a->value < b->value);
}

static int by_offset(const void *pa, const void *pb)
{
	const struct plan_entry *a = *(const struct plan_entry *const *)pa;
	const struct plan_entry *b = *(const struct plan_entry *const *)pb;
	if (a->offset != b->offset)
		return a->offset < b->offset ? -1 : 1;
	return (a->value > b->value) - (a->value < b->value);
}

static bool overlap(const struct plan_entry *a, const struct plan_entry *b)
{
	return a->first <= b->last && b->first <= a->last;
}

/* Lowest aligned offset for e clear of the placed entries live with it. */
static int64_t place(struct plan_entry *e, struct plan_entry **placed, int nplaced,
		     struct plan_entry **scratch)
{
	int n = 0;
	for (int k = 0; k < nplaced; k++)
		if (placed[k]->bytes > 0 && overlap(e, placed[k]))
			scratch[n++] = placed[k];
	qsort(scratch, (size_t)n, sizeof *scratch, by_offset);
	int64_t at = 0;
	for (int k = 0; k < n; k++) {
		if (at + e->bytes <= scratch[k]->offset)
			break;
		int64_t end = scratch[k]->offset + scratch[k]->bytes;
		if (end > at)
			at = end;
	}
	return at;
}

/* The most bytes live at one position. */
static int64_t peak_live(struct ir_module *m, const struct plan *p)
{
	int npos = m->nops + 2;
	int64_t *delta = calloc((size_t)npos + 1, sizeof *delta), best = 0, live = 0;
	if (!delta)
		abort();
	for (int k = 0; k < p->nentries; k++) {
		delta[p->entries[k].first] += p->entries[k].bytes;
		delta[p->entries[k].last + 1] -= p->entries[k].bytes;
	}
	for (int i = 0; i < npos; i++) {
		live += delta[i];
		if (live > best)
			best = live;
	}
	free(delta);
	return best;
}

void plan_build(struct ir_module *m, const int64_t *bytes, const int *alias,
		const int *earliest, struct plan *p, struct arena *a)
{
	memset(p, 0, sizeof *p);
	p->offset = arena_alloc(a, sizeof *p->offset * (size_t)(m->nvalues + 1));
	int n = 0;
	for (int v = 0; v < m->nvalues; v++) {
		p->offset[v] = -1;
		n += bytes[v] >= 0 && !(alias && alias[v] >= 0);
	}
	p->entries = arena_alloc(a, sizeof *p->entries * (size_t)(n + 1));
	struct plan_entry **order = arena_alloc(a, sizeof *order * (size_t)(n + 1));
	struct plan_entry **scratch = arena_alloc(a, sizeof *scratch * (size_t)(n + 1));
	int *entry_of = arena_alloc(a, sizeof *entry_of * (size_t)(m->nvalues + 1));
	for (int v = 0; v < m->nvalues; v++) {
		entry_of[v] = -1;
		if (bytes[v] < 0 || (alias && alias[v] >= 0))
			continue;
		struct plan_entry *e = &p->entries[p->nentries];
		entry_of[v] = p->nentries++;
		e->value = v;
		e->bytes = align_up(bytes[v]);
		live_range(m, v, &e->first, &e->last);
		if (earliest && earliest[v] >= 0 && earliest[v] < e->first)
			e->first = earliest[v];
	}
	for (int v = 0; alias && v < m->nvalues; v++) {
		if (alias[v] < 0)
			continue;
		assert(entry_of[alias[v]] >= 0);
		struct plan_entry *root = &p->entries[entry_of[alias[v]]];
		int first, last;
		live_range(m, v, &first, &last);
		if (last > root->last)
			root->last = last;
		p->naliases++;
	}
	for (int k = 0; k < n; k++)
		order[k] = &p->entries[k];
	qsort(order, (size_t)n, sizeof *order, by_size);
	for (int k = 0; k < n; k++) {
		struct plan_entry *e = order[k];
		e->offset = e->bytes > 0 ? place(e, order, k, scratch) : 0;
		p->offset[e->value] = e->offset;
		if (e->offset + e->bytes > p->size)
			p->size = e->offset + e->bytes;
	}
	for (int v = 0; alias && v < m->nvalues; v++)
		if (alias[v] >= 0)
			p->offset[v] = p->offset[alias[v]];
	p->peak = peak_live(m, p);
}

void plan_print(struct ir_module *m, const struct plan *p, FILE *out)
{
	double eff = p->size ? 100.0 * (double)p->peak / (double)p->size : 100.0;
	fprintf(out, "qonnxc: workspace plan: %d tensors (and %d views of them), %lld bytes; "
		     "peak live %lld bytes, efficiency %.1f%%\n",
		p->nentries, p->naliases, (long long)p->size, (long long)p->peak, eff);
	fprintf(out, "  %12s %12s  %-13s %s\n", "offset", "bytes", "live", "value");
	for (int k = 0; k < p->nentries; k++) {
		const struct plan_entry *e = &p->entries[k];
		char type[128], live[32];
		snprintf(live, sizeof live, "%d..%d", e->first, e->last);
		fprintf(out, "  %12lld %12lld  %-13s '%s' %s\n", (long long)e->offset,
			(long long)e->bytes, live, m->values[e->value].name,
			ir_type_str(&m->values[e->value].type, type, sizeof type));
	}
}
