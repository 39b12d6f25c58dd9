/* transpose_build.c: the edits the channels-last pass makes: new Transposes,
 * "forms" of a value (the value transposed, at the lowest cost), constants
 * permuted at compile time, and in-place edits of an op that can be rolled
 * back (channels_last.h).
 *
 * A form of v by p is any value equal to Transpose(v, p). Looking for one
 * before making a Transpose is what lets layouts settle with few transposes:
 * Transpose(Transpose(z, a), b) is a Transpose of z by a then b (or z itself);
 * a value already transposed by p elsewhere is reused; a constant, or an
 * element-wise computation on constants only (a weight and its quantizer), is
 * permuted at compile time into new constants (the quantizer is cloned, not
 * folded: later stages must still see it).
 *
 * Requires current use lists; every function leaves them current.
 */
#include "channels_last.h"

#include <assert.h>
#include <string.h>

/* Constant-rooted chains are followed this deep at most. */
enum { MAX_CHAIN = 16 };

int chl_cost(const struct ir_type *t, const struct chl_perm *p)
{
	if (chl_perm_is_identity(p))
		return 0;
	return chl_perm_is_trivial(t, p) ? CHL_COST_TRIVIAL : CHL_COST_TRANSPOSE;
}

bool chl_is_output(struct ir_module *m, int v)
{
	for (int i = 0; i < m->noutputs; i++)
		if (m->outputs[i] == v)
			return true;
	return false;
}

int chl_def(struct ir_module *m, int v)
{
	if (v == IR_NONE || m->values[v].kind != IR_VALUE_RESULT)
		return IR_NONE;
	int o = m->values[v].def;
	return o == IR_NONE || m->ops[o].dead ? IR_NONE : o;
}

bool chl_transpose_of(struct ir_module *m, int v, int *src, struct chl_perm *p)
{
	int o = chl_def(m, v);
	if (o == IR_NONE || m->ops[o].code != IR_OP_Transpose)
		return false;
	*src = m->ops[o].operands[0];
	return chl_perm_of_transpose(&m->ops[o], m->values[*src].type.rank, p);
}

/* "nhwc" for a perm to channels-last, "nchw" back, "t" otherwise. */
static const char *suffix(const struct chl_perm *p)
{
	struct chl_perm nhwc = chl_perm_to_nhwc(p->rank), nchw = chl_perm_to_nchw(p->rank);
	if (p->rank >= 3 && chl_perm_equal(p, &nhwc))
		return "nhwc";
	return p->rank >= 3 && chl_perm_equal(p, &nchw) ? "nchw" : "t";
}

static const char *derived(struct ir_module *m, const char *base, const char *suffix)
{
	return arena_printf(&m->arena, "%s_%s", base, suffix);
}

static bool single_element(struct ir_module *m, int v)
{
	return ir_type_numel(&m->values[v].type) == 1;
}

/* ---- constants ----------------------------------------------------------- */

int chl_const_transposed(struct ir_module *m, int c, const struct chl_perm *p)
{
	struct ir_type t = m->values[c].type, pt = chl_perm_type(&t, p);
	int n = ir_add_const(m, derived(m, m->values[c].name, suffix(p)), &pt, NULL);
	if (n < 0)
		return -1;
	chl_perm_data(&t, m->values[c].data, p, m->values[n].data);
	return n;
}

int chl_const_for(struct ir_module *m, int c, const struct chl_perm *q)
{
	struct ir_type t = m->values[c].type;
	int r = q->rank, lead = r - t.rank;
	assert(lead >= 0);
	if (single_element(m, c))
		return c;
	struct ir_type padded = t;
	padded.rank = (uint8_t)r;
	for (int k = 0; k < r; k++)
		padded.dims[k] = k < lead ? 1 : t.dims[k - lead];
	struct ir_type pt = chl_perm_type(&padded, q), out = pt;
	bool strip = true;
	for (int k = 0; k < lead; k++)
		strip = strip && pt.dims[k] == 1;
	if (strip) {
		out.rank = t.rank;
		memmove(out.dims, pt.dims + lead, (size_t)t.rank * sizeof out.dims[0]);
	}
	int n = ir_add_const(m, derived(m, m->values[c].name, suffix(q)), &out, NULL);
	if (n < 0)
		return -1;
	chl_perm_data(&padded, m->values[c].data, q, m->values[n].data);
	return n;
}

int chl_const_ints(struct ir_module *m, const char *base, int n, const int64_t *vals)
{
	int64_t dims[1] = {n};
	struct ir_type t = ir_type_int(64, true, 1, dims);
	return ir_add_const(m, base, &t, vals);
}

/* ---- constant-rooted chains ------------------------------------------------ */

static bool rooted(struct ir_module *m, int v, int depth)
{
	if (m->values[v].type.quant)
		return false;
	if (m->values[v].kind == IR_VALUE_CONST)
		return true;
	int o = chl_def(m, v);
	if (o == IR_NONE || depth >= MAX_CHAIN)
		return false;
	const struct ir_op *op = &m->ops[o];
	if (op->code == IR_OP_Transpose)
		return rooted(m, op->operands[0], depth + 1);
	if (chl_move_kind(op) != MOVE_ELEMENTWISE || op->nresults != 1 || !chl_plain_types(m, op))
		return false;
	int rank = m->values[op->results[0]].type.rank;
	for (int k = 0; k < op->noperands; k++) {
		int u = op->operands[k];
		if (u == IR_NONE || single_element(m, u))
			continue;
		if (m->values[u].type.rank < rank && m->values[u].kind != IR_VALUE_CONST)
			return false;
		if (!rooted(m, u, depth + 1))
			return false;
	}
	return true;
}

bool chl_const_rooted(struct ir_module *m, int v)
{
	return v != IR_NONE && rooted(m, v, 0);
}

int chl_clone_op(struct ir_module *m, int o, const int *operands, const char *tag)
{
	const struct ir_op *op = &m->ops[o];
	const char *result = derived(m, m->values[op->results[0]].name, tag);
	int c = ir_add_op(m, op->code, derived(m, op->name, "cl"), op->noperands, operands, 1,
			  &result);
	op = &m->ops[o];
	for (int i = 0; i < op->nattrs; i++) {
		struct ir_attr a = op->attrs[i];
		ir_set_attr(m, c, &a);
	}
	m->ops[c].onnx_type = op->onnx_type;
	m->ops[c].opset = op->opset;
	m->ops[c].layout = op->layout;
	if (ir_infer_op(m, &m->ops[c]) < 0)
		return -1;
	ir_rebuild_uses(m);
	return m->ops[c].results[0];
}

/* Clones element-wise op o (on constant-rooted operands) so that it computes
 * Transpose(its result, p). */
static int fold_op(struct ir_module *m, int o, const struct chl_perm *p)
{
	int n = m->ops[o].noperands;
	int *operands = arena_alloc(&m->arena, (size_t)n * sizeof *operands + 1);
	for (int k = 0; k < n; k++) {
		int u = m->ops[o].operands[k];
		if (u == IR_NONE || single_element(m, u))
			operands[k] = u;
		else if (m->values[u].type.rank < p->rank)
			operands[k] = chl_const_for(m, u, p);
		else
			operands[k] = chl_form(m, u, p);
		if (u != IR_NONE && operands[k] < 0)
			return -1;
	}
	return chl_clone_op(m, o, operands, suffix(p));
}

int chl_fold_rooted(struct ir_module *m, int v, const struct chl_perm *p)
{
	int src;
	struct chl_perm a;
	if (chl_perm_is_identity(p) || single_element(m, v))
		return v;
	if (m->values[v].kind == IR_VALUE_CONST)
		return chl_const_transposed(m, v, p);
	if (chl_transpose_of(m, v, &src, &a)) {
		struct chl_perm c = chl_perm_then(&a, p);
		return chl_fold_rooted(m, src, &c);
	}
	return fold_op(m, chl_def(m, v), p);
}

/* ---- forms ------------------------------------------------------------------ */

/* An existing live Transpose of v by p: its result, or IR_NONE. */
static int existing(struct ir_module *m, int v, const struct chl_perm *p)
{
	int n;
	const struct ir_use *u = ir_uses(m, v, &n);
	for (int i = 0; i < n; i++) {
		const struct ir_op *op = &m->ops[u[i].op];
		struct chl_perm q;
		if (op->code == IR_OP_Transpose && !op->dead &&
		    chl_perm_of_transpose(op, m->values[v].type.rank, &q) && chl_perm_equal(&q, p))
			return op->results[0];
	}
	return IR_NONE;
}

int chl_form_cost(struct ir_module *m, int v, const struct chl_perm *p)
{
	int src;
	struct chl_perm a;
	if (chl_perm_is_identity(p) || single_element(m, v) || chl_const_rooted(m, v))
		return 0;
	if (chl_transpose_of(m, v, &src, &a)) {
		struct chl_perm c = chl_perm_then(&a, p);
		if (chl_perm_is_identity(&c) || existing(m, src, &c) != IR_NONE)
			return 0;
		return chl_cost(&m->values[src].type, &c);
	}
	return existing(m, v, p) != IR_NONE ? 0 : chl_cost(&m->values[v].type, p);
}

int chl_new_transpose(struct ir_module *m, int v, const struct chl_perm *p)
{
	const char *name = m->values[v].name;
	const char *result = derived(m, name, suffix(p));
	int t = ir_add_op(m, IR_OP_Transpose, derived(m, name, "transpose"), 1, &v, 1, &result);
	int64_t perm[IR_MAX_RANK];
	for (int k = 0; k < p->rank; k++)
		perm[k] = p->p[k];
	ir_set_attr_ints(m, t, "perm", p->rank, perm);
	bool had_error = m->error[0] != 0;
	if (chl_infer(m, t, had_error) < 0) {
		m->ops[t].dead = true;
		ir_rebuild_uses(m);
		return -1;
	}
	ir_rebuild_uses(m);
	return t;
}

static int form(struct ir_module *m, int v, const struct chl_perm *p, bool fold, int depth)
{
	int src, w;
	struct chl_perm a;
	if (chl_perm_is_identity(p) || single_element(m, v))
		return v;
	if (fold && m->values[v].kind == IR_VALUE_CONST)
		return chl_const_transposed(m, v, p);
	if (chl_transpose_of(m, v, &src, &a) && depth < MAX_CHAIN) {
		struct chl_perm c = chl_perm_then(&a, p);
		return form(m, src, &c, fold, depth + 1);
	}
	if ((w = existing(m, v, p)) != IR_NONE)
		return w;
	if (fold && chl_const_rooted(m, v))
		return fold_op(m, chl_def(m, v), p);
	int t = chl_new_transpose(m, v, p);
	if (t < 0)
		return ir_error(m, "cannot transpose '%s'", m->values[v].name);
	return m->ops[t].results[0];
}

int chl_form(struct ir_module *m, int v, const struct chl_perm *p)
{
	return form(m, v, p, true, 0);
}

int chl_form_deferred(struct ir_module *m, int v, const struct chl_perm *p)
{
	return form(m, v, p, false, 0);
}

/* ---- in-place edits ------------------------------------------------------------ */

int chl_split_result(struct ir_module *m, int o, int k, const struct chl_perm *p)
{
	int y = m->ops[o].results[k];
	struct chl_perm nchw = chl_perm_to_nchw(p->rank);
	const char *name = m->values[y].name;
	const char *fresh = derived(m, name, p->rank >= 3 && chl_perm_equal(p, &nchw) ? "nhwc" : "t");
	int t = ir_add_op(m, IR_OP_Transpose, derived(m, name, "transpose"), 1, &y, 1, &fresh);
	int u = m->ops[t].results[0];
	int64_t perm[IR_MAX_RANK];
	for (int i = 0; i < p->rank; i++)
		perm[i] = p->p[i];
	ir_set_attr_ints(m, t, "perm", p->rank, perm);
	m->ops[o].results[k] = u;
	m->values[u].def = o;
	m->values[u].def_result = k;
	struct chl_perm inverse = chl_perm_inverse(p);
	m->values[u].type = chl_perm_type(&m->values[y].type, &inverse); /* until inferred */
	m->ops[t].results[0] = y;
	m->ops[t].operands[0] = u;
	m->values[y].def = t;
	m->values[y].def_result = 0;
	ir_rebuild_uses(m);
	return t;
}

void chl_unsplit_result(struct ir_module *m, int o, int k, int t)
{
	int u = m->ops[o].results[k], y = m->ops[t].results[0];
	m->ops[o].results[k] = y;
	m->values[y].def = o;
	m->values[y].def_result = k;
	m->ops[t].results[0] = u;
	m->values[u].def = IR_NONE;
	m->ops[t].dead = true;
	ir_rebuild_uses(m);
}

/* A copy of n bytes at p (which may be NULL when n is 0) in the arena. */
static void *copy(struct ir_module *m, const void *p, size_t n)
{
	void *q = arena_alloc(&m->arena, n + 1);
	if (n)
		memcpy(q, p, n);
	return q;
}

void chl_save(struct ir_module *m, int o, struct chl_saved *s)
{
	const struct ir_op *op = &m->ops[o];
	s->o = o;
	s->layout = op->layout;
	s->noperands = op->noperands;
	s->operands = copy(m, op->operands, (size_t)op->noperands * sizeof(int));
	s->nattrs = op->nattrs;
	s->attrs = copy(m, op->attrs, (size_t)op->nattrs * sizeof *op->attrs);
}

void chl_restore(struct ir_module *m, const struct chl_saved *s)
{
	struct ir_op *op = &m->ops[s->o];
	op->layout = s->layout;
	op->noperands = s->noperands;
	op->operands = copy(m, s->operands, (size_t)s->noperands * sizeof(int));
	op->nattrs = s->nattrs;
	op->attrs = copy(m, s->attrs, (size_t)s->nattrs * sizeof *s->attrs);
	ir_rebuild_uses(m);
}

int chl_infer(struct ir_module *m, int o, bool had_error)
{
	if (ir_infer_op(m, &m->ops[o]) == 0)
		return 0;
	if (!had_error)
		m->error[0] = 0;
	return -1;
}

int chl_dead_code(struct ir_module *m)
{
	int killed = 0;
	for (bool changed = true; changed;) {
		changed = false;
		for (int o = 0; o < m->nops; o++) {
			struct ir_op *op = &m->ops[o];
			bool used = false;
			if (op->dead)
				continue;
			for (int k = 0; k < op->nresults && !used; k++)
				used = m->values[op->results[k]].nuses > 0 ||
				       chl_is_output(m, op->results[k]);
			if (!used) {
				op->dead = true;
				changed = true;
				killed++;
			}
		}
		if (changed)
			ir_rebuild_uses(m);
	}
	return killed;
}
