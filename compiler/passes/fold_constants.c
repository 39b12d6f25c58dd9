/* fold_constants.c: constant folding, a cleanup rule (see cleanup.h).
 *
 * An op whose operands are all constants is evaluated once with the reference
 * interpreter (interp_eval_op), and its results become constants that keep
 * their names and uses (ir_make_const); the op is killed. Shape needs only its
 * operand's type, which is always static, so PyTorch's flatten idiom
 * Shape -> Gather -> Unsqueeze -> Concat -> Reshape folds down to a Reshape
 * by a constant shape, one op per sweep in program order.
 *
 * Not folded:
 *   - QONNX quantizers (OPF_QONNX), even on constant operands: the integer
 *     lowering pass recognizes a quantizer on a constant weight and turns it
 *     into an integer constant and its scale, so it must still see it;
 *   - ops whose results are more than twice as large as their operands and
 *     larger than SMALL_BYTES (an Expand or Tile of a small constant): the
 *     module would grow for no gain; and results over m->max_bytes in all;
 *   - ops the interpreter fails on (a Gather index out of range): they stay,
 *     and report their error when the model runs, as they would unfolded.
 */
#include "cleanup.h"
#include "ir/interp/interp.h"

#include <stdlib.h>

enum { SMALL_BYTES = 4096 };

static size_t value_bytes(struct ir_module *m, int v)
{
	const struct ir_type *t = &m->values[v].type;
	return (size_t)ir_type_numel(t) * ir_storage_size(t->elem);
}

static bool operands_known(struct ir_module *m, const struct ir_op *op)
{
	if (op->code == IR_OP_Shape)
		return true;
	for (int k = 0; k < op->noperands; k++)
		if (op->operands[k] != IR_NONE && !cl_is_const(m, op->operands[k]))
			return false;
	return true;
}

static bool worth_folding(struct ir_module *m, const struct ir_op *op)
{
	if (op->dead || (ir_opinfo[op->code].flags & OPF_QONNX) || !operands_known(m, op))
		return false;
	size_t in = 0, out = 0;
	if (op->code != IR_OP_Shape)
		for (int k = 0; k < op->noperands; k++)
			if (op->operands[k] != IR_NONE)
				in += value_bytes(m, op->operands[k]);
	for (int k = 0; k < op->nresults; k++)
		out += value_bytes(m, op->results[k]);
	return out <= m->max_bytes && (out <= SMALL_BYTES || out / 2 <= in);
}

/* Evaluates op o and turns its results into constants: 1 when folded, 0 when
 * the interpreter rejects it (m->error restored), -1 after an error. */
static int fold_op(struct ir_module *m, int o)
{
	const struct ir_op *op = &m->ops[o];
	int n = op->noperands, rc = 0;
	struct arena scratch = {0};
	struct ir_tensor *in = arena_alloc(&scratch, ((size_t)n + 1) * sizeof *in);
	const struct ir_tensor **inp = arena_alloc(&scratch, ((size_t)n + 1) * sizeof *inp);
	struct ir_tensor *out = arena_alloc(&scratch, ((size_t)op->nresults + 1) * sizeof *out);
	for (int k = 0; k < n; k++) {
		int v = op->operands[k];
		if (v == IR_NONE)
			continue;
		in[k].type = m->values[v].type;
		in[k].data = m->values[v].data; /* NULL for Shape's operand: only its type is read */
		inp[k] = &in[k];
	}
	bool had_error = m->error[0] != 0;
	if (interp_eval_op(m, op, inp, out, &scratch) < 0) {
		if (!had_error)
			m->error[0] = 0;
		goto done;
	}
	for (int k = 0; k < op->nresults; k++)
		if (ir_make_const(m, m->ops[o].results[k], out[k].data) < 0) {
			rc = -1;
			goto done;
		}
	m->ops[o].dead = true;
	rc = 1;
done:
	arena_free(&scratch);
	return rc;
}

int cleanup_fold_constants(struct ir_module *m)
{
	int folded = 0;
	for (int o = 0; o < m->nops; o++) {
		if (!worth_folding(m, &m->ops[o]))
			continue;
		int r = fold_op(m, o);
		if (r < 0)
			return -1;
		folded += r;
	}
	if (folded)
		ir_rebuild_uses(m);
	return folded;
}
