/* channels_last.c: the channels-last pass, qonnx's ConvertToChannelsLastAndClean
 * done with fewer transposes.
 *
 * Every NCHW (NCW, NCDHW) Conv, MaxPool, AveragePool, GlobalAveragePool,
 * GlobalMaxPool, DepthToSpace and SpaceToDepth becomes channels-last
 * (op->layout = IR_LAYOUT_NHWC: data [N, spatial..., C], Conv weights
 * [O, k..., I/group]) between a Transpose into channels-last and one back
 * (wrap). Then the Transposes move (transpose_sinking.c):
 *   1. down through the element-wise ops, QONNX quantizers, Concat, Pad,
 *      Resize, BatchNormalization... after each converted op, where pairs
 *      cancel: a chain of convolutions and activations ends up with no
 *      Transpose inside; constant operands are permuted instead (a
 *      per-channel scale [1, C, 1, 1] becomes [1, 1, 1, C]);
 *   2. up from each converted op to the graph inputs, so the ops between
 *      an input and the first convolution work channels-last too;
 * and Conv weights are reordered at compile time, through their quantizers.
 * Flatten or Reshape of a channels-last tensor into a fully connected layer
 * reorders the weight rows instead of transposing (flatten_matmul.c).
 * Transposes that only move dimensions of size 1 become Reshapes.
 *
 * What is left: one Transpose after a graph input and one before a graph
 * output where the model's layout (NCHW) differs from channels-last, and
 * Transposes around ops that need NCHW (ConvTranspose, a MatMul on a 4-D
 * tensor, Shape...). With m->io_channels_last, graph inputs and outputs of
 * rank 3 to 5 that only meet channels-last ops become channels-last
 * themselves (their dims are permuted) and lose those Transposes too.
 *
 * Requires: a verified module. Works without cleanup (Gemm is handled,
 * BatchNormalization moves channels-last), better after it (constant
 * Shape -> Reshape chains folded, so Flatten idioms are recognized); meant
 * to run before lower-integer (ops on quantized integer types are left as
 * they are).
 * Guarantees: a verified module computing the same outputs, with the same
 * graph inputs and outputs, names and (unless io_channels_last) types; no op
 * of the channels-last domain is changed; no change at all without one of the
 * ops above in NCHW. Results are the same bit for bit (the interpreter's
 * convolutions and pools sum in the same order in both layouts), except
 * possibly the last bits of float sums whose order follows the memory order:
 * a ReduceSum/ReduceMean over permuted axes, a MatMul whose weight rows were
 * permuted, a linear or cubic Resize.
 * Invalidates: op and value indices (the module is compacted and pruned).
 */
#include "channels_last.h"
#include "passes.h"

/* ---- wrapping the ops that become channels-last --------------------------------- */

static bool is_anchor(struct ir_module *m, const struct ir_op *op)
{
	if (op->dead || op->layout != IR_LAYOUT_NONE || op->noperands < 1 ||
	    op->operands[0] == IR_NONE || !chl_plain_types(m, op))
		return false;
	int r = m->values[op->operands[0]].type.rank;
	switch (op->code) {
	case IR_OP_Conv: {
		int w = op->noperands > 1 ? op->operands[1] : IR_NONE;
		return r >= 3 && r <= 5 && w != IR_NONE && m->values[w].type.rank == r;
	}
	case IR_OP_MaxPool:
		if (op->nresults > 1 && (m->values[op->results[1]].nuses > 0 ||
					 chl_is_output(m, op->results[1])))
			return false; /* Indices are NCHW flat indices */
		return r >= 3 && r <= 5;
	case IR_OP_AveragePool:
	case IR_OP_GlobalAveragePool:
	case IR_OP_GlobalMaxPool: return r >= 3 && r <= 5;
	case IR_OP_DepthToSpace:
	case IR_OP_SpaceToDepth: return r == 4;
	default: return false;
	}
}

/* op o in NHWC between Transposes; 1, or 0 when shape inference rejects it
 * (rolled back), -1 after an error. */
static int wrap(struct ir_module *m, int o)
{
	struct chl_saved saved;
	int x = m->ops[o].operands[0], r = m->values[x].type.rank, y = m->ops[o].results[0];
	struct chl_perm nhwc = chl_perm_to_nhwc(r), nchw = chl_perm_to_nchw(r);
	struct ir_type want = m->values[y].type;
	bool had_error = m->error[0] != 0;
	int n = m->ops[o].noperands, nresults = m->ops[o].nresults;
	int *operands = arena_alloc(&m->arena, (size_t)n * sizeof *operands + 1);
	for (int k = 0; k < n; k++)
		operands[k] = m->ops[o].operands[k];
	if ((operands[0] = chl_form_deferred(m, x, &nhwc)) < 0)
		return -1;
	if (m->ops[o].code == IR_OP_Conv &&
	    (operands[1] = chl_form_deferred(m, operands[1], &nhwc)) < 0)
		return -1; /* [O, I, k...] -> [O, k..., I] */
	chl_save(m, o, &saved);
	m->ops[o].operands = operands;
	m->ops[o].layout = IR_LAYOUT_NHWC;
	m->ops[o].nresults = 1; /* a MaxPool's unused Indices go */
	int t = chl_split_result(m, o, 0, &nchw);
	if (chl_infer(m, o, had_error) < 0 || chl_infer(m, t, had_error) < 0 ||
	    !ir_type_equal(&m->values[y].type, &want)) {
		chl_unsplit_result(m, o, 0, t);
		m->values[y].type = want;
		m->ops[o].nresults = nresults;
		chl_restore(m, &saved);
		return 0;
	}
	if (nresults > 1)
		m->values[m->ops[o].results[1]].def = IR_NONE;
	ir_rebuild_uses(m);
	return 1;
}

static int wrap_all(struct ir_module *m)
{
	int wrapped = 0, nops = m->nops;
	for (int o = 0; o < nops; o++) {
		if (!is_anchor(m, &m->ops[o]))
			continue;
		int r = wrap(m, o);
		if (r < 0)
			return -1;
		wrapped += r;
	}
	return wrapped;
}

/* ---- graph inputs and outputs ------------------------------------------------------- */

/* Input v, used only by Transposes into channels-last, becomes channels-last. */
static void input_channels_last(struct ir_module *m, int v)
{
	int n, r = m->values[v].type.rank;
	struct chl_perm nhwc = chl_perm_to_nhwc(r);
	const struct ir_use *u = ir_uses(m, v, &n);
	if (r < 3 || r > 5 || n == 0 || chl_is_output(m, v))
		return;
	for (int i = 0; i < n; i++) {
		struct chl_perm p;
		const struct ir_op *op = &m->ops[u[i].op];
		if (op->code != IR_OP_Transpose || !chl_perm_of_transpose(op, r, &p) ||
		    !chl_perm_equal(&p, &nhwc) || chl_is_output(m, op->results[0]))
			return;
	}
	int *users = arena_alloc(&m->arena, (size_t)n * sizeof *users + 1);
	for (int i = 0; i < n; i++)
		users[i] = u[i].op;
	m->values[v].type = chl_perm_type(&m->values[v].type, &nhwc);
	for (int i = 0; i < n; i++) {
		m->ops[users[i]].dead = true;
		ir_replace_all_uses(m, m->ops[users[i]].results[0], v);
	}
}

/* Output i, a Transpose back to NCHW of an op result, becomes that result. */
static void output_channels_last(struct ir_module *m, int i)
{
	int y = m->outputs[i], t = chl_def(m, y), x;
	struct chl_perm p;
	if (t == IR_NONE || m->values[y].nuses > 0 || !chl_transpose_of(m, y, &x, &p))
		return;
	struct chl_perm nchw = chl_perm_to_nchw(p.rank);
	int def = chl_def(m, x);
	if (p.rank < 3 || p.rank > 5 || !chl_perm_equal(&p, &nchw) || def == IR_NONE ||
	    chl_is_output(m, x))
		return;
	for (int j = 0; j < m->noutputs; j++)
		if (j != i && m->outputs[j] == y)
			return;
	int k = m->values[x].def_result;
	m->ops[t].dead = true;
	m->values[y].type = m->values[x].type;
	ir_replace_all_uses(m, x, y);
	ir_redefine(m, y, def, k);
	ir_rebuild_uses(m);
}

static void io_channels_last(struct ir_module *m)
{
	ir_rebuild_uses(m);
	for (int i = 0; i < m->ninputs; i++)
		input_channels_last(m, m->inputs[i]);
	for (int i = 0; i < m->noutputs; i++)
		output_channels_last(m, i);
}

/* ---- finishing -------------------------------------------------------------------------- */

/* A Reshape of x to the dims of y, in place of op o. */
static int to_reshape(struct ir_module *m, int o, int x, int y)
{
	const struct ir_type *t = &m->values[y].type;
	bool empty = false;
	for (int k = 0; k < t->rank; k++)
		empty = empty || t->dims[k] == 0;
	int shape = chl_const_ints(m, arena_printf(&m->arena, "%s_shape", m->values[y].name),
				   t->rank, t->dims);
	if (shape < 0)
		return -1;
	struct ir_op *op = &m->ops[o];
	int *operands = arena_alloc(&m->arena, 2 * sizeof *operands);
	operands[0] = x;
	operands[1] = shape;
	op->code = IR_OP_Reshape;
	op->operands = operands;
	op->noperands = 2;
	op->nattrs = 0;
	if (empty)
		ir_set_attr_int(m, o, "allowzero", 1);
	return 0;
}

/* Transposes that keep the order of the elements become Reshapes, and the
 * Flatten/Reshape ops right after them reshape their source directly. */
static int trivial_transposes(struct ir_module *m)
{
	ir_rebuild_uses(m);
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		int x = op->operands[0], y = op->results[0], n;
		struct chl_perm p;
		if (op->dead || op->code != IR_OP_Transpose ||
		    !chl_perm_of_transpose(op, m->values[x].type.rank, &p) ||
		    !chl_perm_is_trivial(&m->values[x].type, &p))
			continue;
		const struct ir_use *u = ir_uses(m, y, &n);
		for (int i = 0; i < n; i++) {
			const struct ir_op *user = &m->ops[u[i].op];
			if ((user->code == IR_OP_Flatten || user->code == IR_OP_Reshape) &&
			    to_reshape(m, u[i].op, x, user->results[0]) < 0)
				return -1;
		}
		if (to_reshape(m, o, x, y) < 0)
			return -1;
		ir_rebuild_uses(m);
	}
	for (int o = 0; o < m->nops; o++)
		if (!m->ops[o].dead && ir_infer_op(m, &m->ops[o]) < 0)
			return -1;
	return 0;
}

int pass_channels_last(struct ir_module *m)
{
	ir_rebuild_uses(m);
	int wrapped = wrap_all(m);
	if (wrapped <= 0)
		return wrapped;
	if (chl_transpose_rules(m, CHL_SINK) < 0 || chl_transpose_rules(m, CHL_HOIST) < 0 ||
	    chl_flatten_matmul(m) < 0)
		return -1;
	if (m->io_channels_last)
		io_channels_last(m);
	if (chl_transpose_rules(m, CHL_TIDY) < 0 || trivial_transposes(m) < 0)
		return -1;
	chl_dead_code(m);
	if (ir_toposort(m) < 0)
		return -1;
	ir_prune(m);
	return 0;
}
