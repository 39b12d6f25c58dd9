/* transpose_sinking.c: the local Transpose rules of the channels-last pass,
 * run to a fixed point (channels_last.h).
 *
 * On a Transpose t = Transpose(x, p), in every phase, the first that applies:
 *   cancel   p is the identity: uses of t use x;
 *   compose  x = Transpose(z, a): t becomes Transpose(z, a then p);
 *   merge    an earlier Transpose of x by p exists: uses of t use it;
 *   fold     x is a constant: t becomes a constant;
 *   weights  x is computed from constants by element-wise ops (a quantized
 *            weight): the ops are cloned on permuted constants.
 * Sinking (phase CHL_SINK), on an op E that can move (move_rules.c) with an
 * operand Transpose(x, p): E(..., Transpose(x, p), ...) becomes
 * Transpose(E'(..., x, ...), p), its other operands transposed back (free
 * for constants, for Transposes by p, for values already transposed that
 * way). It is done when it saves transposes, counted after the Transposes
 * that use E's result have composed with the new one (a pair that cancels
 * counts as saved), or when it saves none but adds none above E: the
 * transposes then only move down, towards the pairs they cancel with and the
 * graph outputs.
 * Hoisting (phase CHL_HOIST), on Transpose(E(x...), p) where every use of
 * E's result is such a Transpose: E'(Transpose(x, p)...). It is done when it
 * saves transposes, or when it saves none and E reads the graph inputs
 * without any channels-last op or Transpose in between: the transposes into
 * channels-last then sit right after the inputs and every op after them works
 * channels-last.
 * Costs are counted with chl_cost: a Transpose that only moves dimensions of
 * size 1 (it becomes a Reshape at the end of the pass) weighs far less than
 * one that moves data, so the data-moving ones are minimized first.
 *
 * Termination: every accepted rewrite either lowers the total cost, or keeps
 * it and moves Transposes strictly down (sinking) or up (hoisting) the DAG;
 * the two directions never run in the same phase.
 * MAX_SWEEPS and a budget of rewrites per op bound the work anyway (the
 * graph stays correct when they cut a phase short).
 */
#include "channels_last.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_SWEEPS = 1000, MAX_REWRITES_PER_OP = 64 };

struct rules {
	enum chl_phase phase;
	bool *region; /* CHL_HOIST: values computed from the graph inputs only */
	int nregion;
};

/* Makes the uses of y (and y's place among the graph outputs) use w instead,
 * for two values that are equal; killing op o, which defined y. The value
 * that stays is named after y when y is a graph output, or when w is made
 * by an op and y's name is the shorter ("x_nhwc" rather than "x_nhwc_2"). */
static int replace(struct ir_module *m, int o, int y, int w)
{
	int def = chl_def(m, w);
	bool keep_y = def != IR_NONE && !chl_is_output(m, w) &&
		      strlen(m->values[y].name) < strlen(m->values[w].name);
	if (!chl_is_output(m, y) && !keep_y) {
		m->ops[o].dead = true;
		ir_replace_all_uses(m, y, w);
		return 1;
	}
	if (def == IR_NONE || chl_is_output(m, w)) {
		/* keep the output's name on an Identity */
		struct ir_op *op = &m->ops[o];
		op->code = IR_OP_Identity;
		op->operands[0] = w;
		op->nattrs = 0;
		op->noperands = 1;
		ir_rebuild_uses(m);
		return 1;
	}
	int k = m->values[w].def_result;
	m->ops[o].dead = true;
	ir_replace_all_uses(m, w, y);
	ir_redefine(m, y, def, k);
	ir_rebuild_uses(m);
	return 1;
}

/* ---- rules on a Transpose ------------------------------------------------------ */

static int fold(struct ir_module *m, int o, int x, const struct chl_perm *p)
{
	const struct ir_type *t = &m->values[x].type;
	size_t bytes = (size_t)ir_type_numel(t) * ir_storage_size(t->elem);
	void *data = arena_alloc(&m->arena, bytes + 1);
	chl_perm_data(t, m->values[x].data, p, data);
	if (ir_make_const(m, m->ops[o].results[0], data) < 0)
		return -1;
	m->ops[o].dead = true;
	ir_rebuild_uses(m);
	return 1;
}

static int compose(struct ir_module *m, int o, int z, const struct chl_perm *c)
{
	int64_t perm[IR_MAX_RANK];
	for (int k = 0; k < c->rank; k++)
		perm[k] = c->p[k];
	m->ops[o].operands[0] = z;
	ir_set_attr_ints(m, o, "perm", c->rank, perm);
	ir_rebuild_uses(m);
	return 1;
}

/* An earlier live Transpose of x by p than op o, or IR_NONE. */
static int twin(struct ir_module *m, int o, int x, const struct chl_perm *p)
{
	int n;
	const struct ir_use *u = ir_uses(m, x, &n);
	for (int i = 0; i < n; i++) {
		const struct ir_op *op = &m->ops[u[i].op];
		struct chl_perm q;
		if (u[i].op != o && op->code == IR_OP_Transpose && !op->dead &&
		    chl_perm_of_transpose(op, m->values[x].type.rank, &q) && chl_perm_equal(&q, p) &&
		    (u[i].op < o || chl_is_output(m, m->ops[o].results[0])) &&
		    !chl_is_output(m, op->results[0]))
			return u[i].op;
	}
	return IR_NONE;
}

static int hoist(struct ir_module *m, int t, const struct rules *st);

static int on_transpose(struct ir_module *m, int o, const struct rules *st)
{
	int x = m->ops[o].operands[0], y = m->ops[o].results[0], z, w;
	struct chl_perm p, a;
	if (!chl_perm_of_transpose(&m->ops[o], m->values[x].type.rank, &p) ||
	    !chl_plain_types(m, &m->ops[o]))
		return 0;
	if (chl_perm_is_identity(&p))
		return replace(m, o, y, x);
	if (chl_transpose_of(m, x, &z, &a)) {
		struct chl_perm c = chl_perm_then(&a, &p);
		return compose(m, o, z, &c);
	}
	if ((w = twin(m, o, x, &p)) != IR_NONE) {
		int other = m->ops[w].results[0];
		if (chl_is_output(m, y)) /* keep this one, for the output's name */
			return replace(m, w, other, y);
		return replace(m, o, y, other);
	}
	if (m->values[x].kind == IR_VALUE_CONST)
		return fold(m, o, x, &p);
	if (chl_const_rooted(m, x)) {
		if ((w = chl_fold_rooted(m, x, &p)) < 0)
			return -1;
		return replace(m, o, y, w);
	}
	return st->phase == CHL_HOIST ? hoist(m, o, st) : 0;
}

/* ---- moving an op ---------------------------------------------------------------- */

/* The operands of op o transposed by q, for moving it: acts[k] for its
 * activation operands. */
static int transposed_operands(struct ir_module *m, int o, const struct chl_perm *q, int *acts)
{
	int r = q->rank;
	for (int k = 0; k < m->ops[o].noperands; k++) {
		int v = m->ops[o].operands[k];
		acts[k] = v;
		if (v == IR_NONE || !chl_is_activation(&m->ops[o], k))
			continue;
		if (m->values[v].type.rank < r)
			acts[k] = chl_const_for(m, v, q); /* a constant or a single element */
		else
			acts[k] = chl_form(m, v, q);
		if (acts[k] < 0)
			return -1;
	}
	return 0;
}

/* Whether every activation operand of op o can be transposed by q: same rank
 * as the op, or a constant, or a single element. */
static bool operands_movable(struct ir_module *m, int o, int r)
{
	const struct ir_op *op = &m->ops[o];
	for (int k = 0; k < op->noperands; k++) {
		int v = op->operands[k];
		if (v == IR_NONE || !chl_is_activation(op, k) || m->values[v].type.rank == r)
			continue;
		if (m->values[v].kind != IR_VALUE_CONST && ir_type_numel(&m->values[v].type) != 1)
			return false;
	}
	return true;
}

/* A set of ops that sink together: a connected group of movable ops whose
 * values between them would otherwise each need a Transpose. */
struct region {
	int *ops, n, max;
	bool *member; /* by op index, for the ops that existed when it was made */
	int nmember;
};

static bool in_region(const struct region *g, int o)
{
	return o < g->nmember && g->member[o];
}

/* The balance of sinking every op of g past Transposes by p: *delta in
 * transposes, *added new ones above the region, *removed ones that die
 * above it. seen[] (nvalues entries, false) is scratch. */
static void balance(struct ir_module *m, const struct region *g, const struct chl_perm *p,
		    bool *seen, int *delta, int *added, int *removed)
{
	struct chl_perm q = chl_perm_inverse(p);
	*delta = *added = *removed = 0;
	for (int i = 0; i < g->n; i++) {
		const struct ir_op *op = &m->ops[g->ops[i]];
		for (int k = 0; k < op->noperands; k++) {
			int v = op->operands[k], src, n, d;
			struct chl_perm a;
			if (v == IR_NONE || !chl_is_activation(op, k) || seen[v] ||
			    m->values[v].type.rank != p->rank)
				continue;
			if ((d = chl_def(m, v)) != IR_NONE && in_region(g, d))
				continue; /* made inside */
			seen[v] = true;
			if (chl_transpose_of(m, v, &src, &a) && chl_perm_equal(&a, p)) {
				const struct ir_use *u = ir_uses(m, v, &n);
				bool dies = !chl_is_output(m, v);
				for (int j = 0; j < n && dies; j++)
					dies = in_region(g, u[j].op);
				int c = dies ? chl_cost(&m->values[src].type, &a) : 0;
				*delta -= c;
				*removed += c;
				continue;
			}
			int c = chl_form_cost(m, v, &q);
			*delta += c;
			*added += c;
		}
		for (int k = 0; k < op->nresults; k++) {
			int y = op->results[k], n;
			struct chl_perm py = chl_moved_result_perm(m, g->ops[i], k, p);
			if (chl_perm_is_identity(&py))
				continue;
			struct chl_perm inv = chl_perm_inverse(&py);
			struct ir_type after = chl_perm_type(&m->values[y].type, &inv);
			bool plain = chl_is_output(m, y);
			const struct ir_use *u = ir_uses(m, y, &n);
			for (int j = 0; j < n; j++) {
				const struct ir_op *user = &m->ops[u[j].op];
				struct chl_perm t;
				if (in_region(g, u[j].op))
					continue;
				if (user->code != IR_OP_Transpose || !chl_perm_of_transpose(user, py.rank, &t)) {
					plain = true;
					continue;
				}
				struct chl_perm c = chl_perm_then(&py, &t);
				*delta += chl_cost(&after, &c) - chl_cost(&m->values[y].type, &t);
			}
			if (plain)
				*delta += chl_cost(&after, &py);
		}
	}
}

/* Rewrites op o in place to work on its operands transposed by the inverse
 * of map, each result k followed by a Transpose by its moved result perm.
 * 1, or 0 when shape inference rejects the result (rolled back), -1 after
 * an error. */
static int sink_op(struct ir_module *m, int o, const struct chl_perm *map)
{
	struct chl_saved saved;
	struct chl_perm q = chl_perm_inverse(map);
	int n = m->ops[o].nresults;
	int *acts = arena_alloc(&m->arena, (size_t)m->ops[o].noperands * sizeof *acts + 1);
	int *splits = arena_alloc(&m->arena, (size_t)n * sizeof *splits + 1);
	struct ir_type *types = arena_alloc(&m->arena, (size_t)n * sizeof *types + 1);
	bool had_error = m->error[0] != 0;
	if (transposed_operands(m, o, &q, acts) < 0)
		return -1;
	chl_save(m, o, &saved);
	if (chl_move_op(m, o, map, acts) < 0)
		return -1;
	for (int k = 0; k < n; k++) {
		struct chl_perm py = chl_moved_result_perm(m, o, k, map);
		types[k] = m->values[m->ops[o].results[k]].type;
		splits[k] = chl_perm_is_identity(&py) ? IR_NONE : chl_split_result(m, o, k, &py);
	}
	if (chl_infer(m, o, had_error) < 0)
		goto undo;
	for (int k = 0; k < n; k++) {
		int y = splits[k] == IR_NONE ? m->ops[o].results[k] : m->ops[splits[k]].results[0];
		if (splits[k] != IR_NONE && chl_infer(m, splits[k], had_error) < 0)
			goto undo;
		if (!ir_type_equal(&m->values[y].type, &types[k]))
			goto undo;
	}
	return 1;
undo:
	for (int k = n - 1; k >= 0; k--) {
		if (splits[k] != IR_NONE)
			chl_unsplit_result(m, o, k, splits[k]);
		m->values[m->ops[o].results[k]].type = types[k];
	}
	chl_restore(m, &saved);
	return 0;
}

/* Op o can join a region sinking past Transposes by p. */
static bool joins(struct ir_module *m, int o, const struct chl_perm *p)
{
	const struct ir_op *op = &m->ops[o];
	if (op->dead || op->code == IR_OP_Transpose || chl_move_kind(op) == MOVE_NONE ||
	    !chl_can_move(m, o, p) || !operands_movable(m, o, p->rank))
		return false;
	for (int k = 0; k < op->nresults; k++) {
		struct chl_perm py = chl_moved_result_perm(m, o, k, p);
		if (!chl_perm_equal(&py, p))
			return false;
	}
	return true;
}

static void add(struct region *g, int o)
{
	if (g->n < g->max && !g->member[o]) {
		g->member[o] = true;
		g->ops[g->n++] = o;
	}
}

/* Grows g from its ops to every op connected to them through values of
 * p's rank that joins; false when it reaches g->max ops. */
static bool grow(struct ir_module *m, struct region *g, const struct chl_perm *p)
{
	for (int i = 0; i < g->n && g->n < g->max; i++) {
		const struct ir_op *op = &m->ops[g->ops[i]];
		for (int k = 0; k < op->noperands; k++) {
			int v = op->operands[k], d = chl_def(m, v);
			if (v != IR_NONE && chl_is_activation(op, k) && d != IR_NONE && d < g->nmember &&
			    m->values[v].type.rank == p->rank && joins(m, d, p))
				add(g, d);
		}
		for (int k = 0; k < op->nresults; k++) {
			int n;
			const struct ir_use *u = ir_uses(m, op->results[k], &n);
			for (int j = 0; j < n; j++)
				if (u[j].op < g->nmember && joins(m, u[j].op, p))
					add(g, u[j].op);
		}
	}
	return g->n < g->max;
}

/* Sinks the ops of g in program order; 1, 0 when none could be rewritten,
 * -1 after an error. */
static int sink_region(struct ir_module *m, struct region *g, const struct chl_perm *p)
{
	int done = 0;
	for (int i = 0; i < g->n; i++)
		for (int j = i; j > 0 && g->ops[j - 1] > g->ops[j]; j--) {
			int t = g->ops[j];
			g->ops[j] = g->ops[j - 1];
			g->ops[j - 1] = t;
		}
	for (int i = 0; i < g->n; i++) {
		int r = sink_op(m, g->ops[i], p);
		if (r < 0)
			return -1;
		done |= r;
	}
	return done;
}

/* Sinking op o past the Transposes by p among its operands: alone, or with
 * the ops around it when that saves more. */
static int sink_with(struct ir_module *m, int o, const struct chl_perm *p, struct region *g)
{
	int delta, added, removed, rc = 0;
	bool *seen = calloc((size_t)m->nvalues + 1, sizeof *seen);
	if (!seen)
		abort();
	for (int round = 0; round < 2; round++) {
		memset(g->member, 0, (size_t)g->nmember * sizeof *g->member);
		memset(seen, 0, (size_t)m->nvalues * sizeof *seen); /* no value made since */
		g->n = 0;
		add(g, o);
		if (round == 1 && (!joins(m, o, p) || !grow(m, g, p) || g->n == 1))
			break;
		balance(m, g, p, seen, &delta, &added, &removed);
		if (delta < 0 || (delta == 0 && added == 0 && removed > 0)) {
			rc = round == 0 ? sink_op(m, o, p) : sink_region(m, g, p);
			break;
		}
	}
	free(seen);
	return rc;
}

static int sink(struct ir_module *m, int o)
{
	enum { MAX_REGION = 256 };
	if (chl_move_kind(&m->ops[o]) == MOVE_NONE)
		return 0;
	int rc = 0;
	struct region g = {.max = MAX_REGION, .nmember = m->nops};
	g.ops = calloc(MAX_REGION, sizeof *g.ops);
	g.member = calloc((size_t)m->nops + 1, sizeof *g.member);
	if (!g.ops || !g.member)
		abort();
	for (int k = 0; k < m->ops[o].noperands && !rc; k++) {
		int v = m->ops[o].operands[k], src;
		struct chl_perm p;
		if (v == IR_NONE || !chl_is_activation(&m->ops[o], k) ||
		    !chl_transpose_of(m, v, &src, &p) || !chl_can_move(m, o, &p) ||
		    !operands_movable(m, o, p.rank))
			continue;
		rc = sink_with(m, o, &p, &g);
	}
	free(g.ops);
	free(g.member);
	return rc;
}

/* ---- hoisting ------------------------------------------------------------------------ */

/* The Transposes using y, all by p, into users[] (at most max); their count,
 * or -1 when y has another use, is a graph output, or two of them are. */
static int transpose_users(struct ir_module *m, int y, const struct chl_perm *p, int *users,
			   int max)
{
	int n, outputs = 0;
	const struct ir_use *u = ir_uses(m, y, &n);
	if (n > max || n == 0 || chl_is_output(m, y))
		return -1;
	for (int i = 0; i < n; i++) {
		const struct ir_op *op = &m->ops[u[i].op];
		struct chl_perm t;
		if (op->code != IR_OP_Transpose || !chl_perm_of_transpose(op, p->rank, &t) ||
		    !chl_perm_equal(&t, p))
			return -1;
		users[i] = u[i].op;
		outputs += chl_is_output(m, op->results[0]);
	}
	return outputs > 1 ? -1 : n;
}

static int hoist_op(struct ir_module *m, int e, const struct chl_perm *p, const int *users, int n)
{
	struct chl_saved saved;
	struct chl_perm map = chl_perm_inverse(p);
	int *acts = arena_alloc(&m->arena, (size_t)m->ops[e].noperands * sizeof *acts + 1);
	bool had_error = m->error[0] != 0;
	int keep = 0;
	for (int i = 0; i < n; i++)
		if (chl_is_output(m, m->ops[users[i]].results[0]))
			keep = i;
	if (transposed_operands(m, e, p, acts) < 0)
		return -1;
	chl_save(m, e, &saved);
	if (chl_move_op(m, e, &map, acts) < 0)
		return -1;
	int y = m->ops[e].results[0], w = m->ops[users[keep]].results[0];
	struct ir_type want = m->values[w].type;
	m->ops[e].results[0] = w;
	m->values[w].def = e;
	m->values[w].def_result = 0;
	if (chl_infer(m, e, had_error) < 0 || !ir_type_equal(&m->values[w].type, &want)) {
		m->values[w].type = want;
		m->values[w].def = users[keep];
		m->ops[e].results[0] = y;
		chl_restore(m, &saved);
		return 0;
	}
	m->values[y].def = IR_NONE;
	for (int i = 0; i < n; i++) {
		m->ops[users[i]].dead = true;
		if (i != keep)
			ir_replace_all_uses(m, m->ops[users[i]].results[0], w);
	}
	ir_rebuild_uses(m);
	return 1;
}

static int hoist(struct ir_module *m, int t, const struct rules *st)
{
	enum { MAX_USERS = 8 };
	int y = m->ops[t].operands[0], e = chl_def(m, y), users[MAX_USERS], n;
	struct chl_perm p;
	if (e == IR_NONE || m->ops[e].nresults != 1 || chl_move_kind(&m->ops[e]) == MOVE_NONE ||
	    !chl_perm_of_transpose(&m->ops[t], m->values[y].type.rank, &p))
		return 0;
	struct chl_perm map = chl_perm_inverse(&p);
	const struct ir_op *op = &m->ops[e];
	if (!chl_can_move(m, e, &map) || !operands_movable(m, e, p.rank) ||
	    (n = transpose_users(m, y, &p, users, MAX_USERS)) < 0)
		return 0;
	int delta = -n * chl_cost(&m->values[y].type, &p);
	for (int k = 0; k < op->noperands; k++) {
		int v = op->operands[k];
		if (v != IR_NONE && chl_is_activation(op, k) && m->values[v].type.rank == p.rank)
			delta += chl_form_cost(m, v, &p);
	}
	bool from_inputs = y < st->nregion && st->region[y];
	if (delta < 0 || (delta == 0 && from_inputs))
		return hoist_op(m, e, &p, users, n);
	return 0;
}

/* region[v]: v is computed from graph inputs and constants without any
 * channels-last op or Transpose on the way. Ops in program order. */
static bool *input_region(struct ir_module *m)
{
	bool *region = calloc((size_t)m->nvalues + 1, sizeof *region);
	if (!region)
		abort();
	for (int v = 0; v < m->nvalues; v++)
		region[v] = m->values[v].kind != IR_VALUE_RESULT;
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		bool in = !op->dead && op->code != IR_OP_Transpose && op->layout == IR_LAYOUT_NONE;
		for (int k = 0; k < op->noperands && in; k++)
			in = op->operands[k] == IR_NONE || region[op->operands[k]];
		for (int k = 0; k < op->nresults; k++)
			region[op->results[k]] = in;
	}
	return region;
}

/* ---- the fixed point ------------------------------------------------------------------- */

int chl_transpose_rules(struct ir_module *m, enum chl_phase phase)
{
	struct rules st = {.phase = phase};
	int rc = -1;
	ir_rebuild_uses(m);
	if (phase == CHL_HOIST) {
		st.region = input_region(m);
		st.nregion = m->nvalues;
	}
	long budget = MAX_REWRITES_PER_OP * ((long)m->nops + 16);
	for (int sweep = 0; sweep < MAX_SWEEPS && budget > 0; sweep++) {
		int changes = 0;
		for (int o = 0; o < m->nops && budget > 0; o++) {
			if (m->ops[o].dead)
				continue;
			int r = m->ops[o].code == IR_OP_Transpose ? on_transpose(m, o, &st)
				: phase == CHL_SINK ? sink(m, o) : 0;
			if (r < 0)
				goto done;
			changes += r;
			budget -= r;
		}
		chl_dead_code(m);
		if (!changes)
			break;
	}
	rc = ir_toposort(m);
done:
	free(st.region);
	return rc;
}
