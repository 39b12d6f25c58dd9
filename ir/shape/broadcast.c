/* broadcast.c: ONNX broadcasting of shapes.
 *
 * Multidirectional (numpy) broadcasting aligns shapes at their last dim; each
 * pair of dims must be equal or one of them 1, and the result takes the other
 * (a 1 against a 0 gives 0). Unidirectional broadcasting (PRelu's slope, Gemm's
 * C, the quantizers' parameters) additionally requires the result to be the
 * target shape itself. Assumes operand dims were checked by shape_begin.
 */
#include "common.h"

int shape_broadcast(struct ir_module *m, const struct ir_op *op, const struct ir_type *a,
		    const struct ir_type *b, struct ir_type *out)
{
	int rank = a->rank > b->rank ? a->rank : b->rank;
	int64_t dims[IR_MAX_RANK];
	for (int i = 0; i < rank; i++) {
		int ia = i - (rank - a->rank), ib = i - (rank - b->rank);
		int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
		if (da != db && da != 1 && db != 1) {
			char sa[200], sb[200];
			return ir_op_error(m, op, "shapes %s and %s cannot be broadcast together",
					   ir_type_str(a, sa, sizeof sa), ir_type_str(b, sb, sizeof sb));
		}
		dims[i] = da == 1 ? db : da;
	}
	*out = ir_type_with_dims(*out, rank, dims);
	return 0;
}

int shape_broadcast_to(struct ir_module *m, const struct ir_op *op, int k, const char *what,
		       const struct ir_type *target)
{
	const struct ir_type *t = ir_operand_type(m, op, k);
	bool ok = t->rank <= target->rank;
	for (int i = 0; ok && i < t->rank; i++) {
		int64_t d = t->dims[t->rank - 1 - i];
		ok = d == 1 || d == target->dims[target->rank - 1 - i];
	}
	if (ok)
		return 0;
	char st[200], sx[200];
	return ir_op_error(m, op, "%s %s cannot be broadcast to %s", what,
			   ir_type_str(t, st, sizeof st), ir_type_str(target, sx, sizeof sx));
}

int64_t shape_broadcast_offset(const struct ir_type *out, const struct ir_type *in, int64_t i)
{
	int64_t offset = 0, stride = 1;
	for (int d = out->rank - 1, di = in->rank - 1; d >= 0 && di >= 0; d--, di--) {
		int64_t coord = i % out->dims[d];
		i /= out->dims[d];
		if (in->dims[di] != 1)
			offset += coord * stride;
		stride *= in->dims[di];
	}
	return offset;
}
