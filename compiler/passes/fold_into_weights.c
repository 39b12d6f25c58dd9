/* fold_into_weights.c: per-channel Mul and Add folded into the constant
 * weights of the MatMul or Conv before them, a cleanup rule (see cleanup.h).
 *
 *   Mul(MatMul(x, W), c)   -> MatMul(x, W * c)        W [K, N], c along N
 *   Mul(Conv(x, W, B), c)  -> Conv(x, W * c, B * c)   c along the output channels
 *   Add(Conv(x, W, B), d)  -> Conv(x, W, B + d)       (B absent: d)
 *
 * "Along" means every dimension of the constant is 1 except the one over the
 * output channels (the last axis after MatMul; axis 1 after Conv, the last
 * one for a channels-last Conv), so the constant neither broadcasts the
 * result to another shape nor varies along another axis. An Add after MatMul
 * stays: MatMul has no bias. Conv weights are [O, ...] in both layouts.
 *
 * Requires W (and B) to be plain constants, so weights produced by a QONNX
 * quantizer are left alone (the integer lowering needs the quantizer on the
 * original weight), and the intermediate result to have no other use. The
 * scaled weights are new ops on constants, folded by constant folding in the
 * next round. Float only. Products and sums are rounded in another order than
 * before, so results may change in their last bits.
 */
#include "cleanup.h"

#include <stdlib.h>

/* The candidate: y = code(t, c) with t the single-use result of a MatMul or
 * Conv with constant weights, all of one float type. */
struct fold {
	int op;      /* the Mul or Add */
	int producer; /* the MatMul or Conv */
	int c;       /* the constant */
	int axis;    /* output-channel axis of t */
	int64_t channels;
	double *per; /* c's value per channel */
};

static bool same_float(struct ir_module *m, int a, int b)
{
	return cl_is_float(&m->values[a].type) && ir_type_same_elem(&m->values[a].type,
								     &m->values[b].type);
}

/* Fills f for op o; false when it does not match. */
static bool match(struct ir_module *m, int o, struct fold *f)
{
	const struct ir_op *op = &m->ops[o];
	if ((op->code != IR_OP_Mul && op->code != IR_OP_Add) || !cl_is_const(m, op->operands[1]))
		return false;
	int t = op->operands[0], p = cl_single_use_def(m, t);
	if (p == IR_NONE)
		return false;
	const struct ir_op *prod = &m->ops[p];
	const struct ir_type *tt = &m->values[t].type;
	if ((prod->code != IR_OP_MatMul && prod->code != IR_OP_Conv) || prod->noperands < 2)
		return false;
	int w = prod->operands[1];
	if (!cl_is_const(m, w) || !same_float(m, t, w) || !same_float(m, t, op->operands[1]))
		return false;
	if (prod->code == IR_OP_MatMul) {
		if (op->code != IR_OP_Mul || m->values[w].type.rank != 2 || tt->rank < 1)
			return false;
		f->axis = tt->rank - 1;
	} else if (prod->code == IR_OP_Conv) {
		int bias = prod->noperands > 2 ? prod->operands[2] : IR_NONE;
		if (bias != IR_NONE && (!cl_is_const(m, bias) || !same_float(m, t, bias)))
			return false;
		f->axis = prod->layout == IR_LAYOUT_NHWC ? tt->rank - 1 : 1;
		if (tt->rank < 3 || m->values[w].type.dims[0] != tt->dims[f->axis])
			return false;
	} else {
		return false;
	}
	f->op = o;
	f->producer = p;
	f->c = op->operands[1];
	f->channels = tt->dims[f->axis];
	f->per = malloc(((size_t)f->channels + 1) * sizeof *f->per);
	if (!f->per)
		abort();
	if (cl_per_axis(m, f->c, tt, f->axis, f->per) < 0) {
		free(f->per);
		return false;
	}
	return true;
}

/* A new op code(v, k) where k is a new constant holding f->per (named after
 * the constant c it comes from), shaped
 * [channels] followed by `ones` dims of 1; its result in *result and the op
 * in *made. 0, -1 when abandoned, -2 after an error. */
static int combine(struct ir_module *m, const struct fold *f, enum ir_opcode code, int v,
		   int ones, const char *suffix, int *result, int *made)
{
	int64_t dims[IR_MAX_RANK] = {f->channels};
	for (int d = 1; d <= ones; d++)
		dims[d] = 1;
	struct ir_type t = ir_type_with_dims(m->values[v].type, ones + 1, dims);
	int k = cl_new_const(m, m->values[f->c].name, "per_channel", &t, f->per);
	if (k < 0)
		return -2;
	int operands[2] = {v, k};
	*made = cl_new_op(m, code, m->values[v].name, m->values[v].name, suffix, 2, operands);
	if (*made < 0)
		return -1;
	*result = m->ops[*made].results[0];
	return 0;
}

/* The new MatMul or Conv with weights w and bias b, replacing f->op. */
static int finish(struct ir_module *m, const struct fold *f, int w, int b, const int *made,
		  int nmade)
{
	const struct ir_op *prod = &m->ops[f->producer];
	int operands[3] = {prod->operands[0], w, b};
	int nops = prod->code == IR_OP_Conv && b != IR_NONE ? 3 : 2;
	enum ir_opcode code = prod->code;
	const char *name = prod->name, *result = m->values[m->ops[f->op].results[0]].name;
	int n = ir_add_op(m, code, name, nops, operands, 1,
			  (const char *[]){arena_printf(&m->arena, "%s_folded", result)});
	cl_copy_attrs(m, f->producer, n);
	bool had_error = m->error[0] != 0;
	if (ir_infer_op(m, &m->ops[n]) < 0) {
		if (!had_error)
			m->error[0] = 0;
		m->ops[n].dead = true;
		for (int i = 0; i < nmade; i++)
			if (made[i] >= 0)
				m->ops[made[i]].dead = true;
		ir_rebuild_uses(m);
		return 0;
	}
	ir_rebuild_uses(m);
	if (cl_replace(m, f->op, n, made, nmade) < 0)
		return 0;
	/* The producer's only use is gone: the new op takes over its node name
	 * (op names stay unique among live ops; ir_compact reindexes them). */
	m->ops[n].name = m->ops[f->producer].name;
	cl_kill(m, f->producer);
	return 1;
}

static int rewrite(struct ir_module *m, const struct fold *f)
{
	const struct ir_op *prod = &m->ops[f->producer];
	int w = prod->operands[1];
	int b = prod->code == IR_OP_Conv && prod->noperands > 2 ? prod->operands[2] : IR_NONE;
	int made[2] = {-1, -1}, status = 0;
	/* output channels: the last axis of MatMul's [K, N], axis 0 of Conv's [O, ...] */
	int ones = prod->code == IR_OP_Conv ? m->values[w].type.rank - 1 : 0;
	if (m->ops[f->op].code == IR_OP_Mul) {
		status = combine(m, f, IR_OP_Mul, w, ones, "scaled", &w, &made[0]);
		if (status == 0 && b != IR_NONE)
			status = combine(m, f, IR_OP_Mul, b, 0, "scaled", &b, &made[1]);
	} else if (b != IR_NONE) {
		status = combine(m, f, IR_OP_Add, b, 0, "shifted", &b, &made[0]);
	} else {
		int64_t dims[1] = {f->channels};
		struct ir_type t = ir_type_with_dims(m->values[w].type, 1, dims);
		b = cl_new_const(m, m->ops[f->producer].name, "bias", &t, f->per);
		status = b < 0 ? -2 : 0;
	}
	if (status == -2)
		return -1;
	if (status < 0) {
		for (int i = 0; i < 2; i++)
			if (made[i] >= 0)
				cl_kill(m, made[i]);
		return 0;
	}
	return finish(m, f, w, b, made, 2);
}

int cleanup_fold_into_weights(struct ir_module *m)
{
	int done = 0;
	for (int o = 0; o < m->nops; o++) {
		struct fold f;
		if (m->ops[o].dead || !match(m, o, &f))
			continue;
		int r = rewrite(m, &f);
		free(f.per);
		if (r < 0)
			return -1;
		done += r;
	}
	return done;
}
