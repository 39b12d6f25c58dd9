/* common.c: checks and readers shared by the shape functions (common.h).
 *
 * Assumes operand types were built by the IR (rank <= IR_MAX_RANK); their dims
 * may still be huge when another dim is 0, which shape_begin rejects.
 */
#include "common.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int shape_check_dim(struct ir_module *m, const struct ir_op *op, const char *what, int64_t d)
{
	if (d < 0)
		return ir_op_error(m, op, "%s is negative (%" PRId64 ")", what, d);
	if (d > SHAPE_MAX_DIM)
		return ir_op_error(m, op, "%s %" PRId64 " is larger than 2^40", what, d);
	return 0;
}

int shape_begin(struct ir_module *m, const struct ir_op *op)
{
	for (int k = 0; k < op->noperands; k++) {
		const struct ir_type *t = ir_operand_type(m, op, k);
		if (!t)
			continue;
		for (int i = 0; i < t->rank; i++)
			if (t->dims[i] < 0 || t->dims[i] > SHAPE_MAX_DIM)
				return ir_op_error(m, op, "input %d has dimension %" PRId64
						   " outside 0..2^40", k, t->dims[i]);
	}
	if (ir_opinfo[op->code].flags & OPF_FLOAT) {
		const struct ir_type *x = ir_operand_type(m, op, 0);
		if (x && !shape_is_float(x)) {
			char buf[16];
			return ir_op_error(m, op, "input 0 must be f32 or f64, got %s",
					   ir_elem_str(x, buf, sizeof buf));
		}
	}
	return 0;
}

int shape_set(struct ir_module *m, struct ir_op *op, int k, const struct ir_type *t)
{
	for (int i = 0; i < t->rank; i++)
		if (shape_check_dim(m, op, "result dimension", t->dims[i]) < 0)
			return -1;
	return ir_set_result_type(m, op, k, t);
}

int shape_mul(struct ir_module *m, const struct ir_op *op, int64_t a, int64_t b, int64_t *out)
{
	if (a < 0 || b < 0)
		return ir_op_error(m, op, "negative dimension in product %" PRId64 " * %" PRId64, a, b);
	if (a != 0 && b > SHAPE_MAX_DIM / a)
		return ir_op_error(m, op, "dimension product %" PRId64 " * %" PRId64
				   " is larger than 2^40", a, b);
	*out = a * b;
	return 0;
}

int shape_numel(struct ir_module *m, const struct ir_op *op, const int64_t *dims, int from,
		int to, int64_t *out)
{
	*out = 1;
	for (int i = from; i < to; i++)
		if (dims[i] == 0) {
			*out = 0;
			return 0;
		}
	for (int i = from; i < to; i++)
		if (shape_mul(m, op, *out, dims[i], out) < 0)
			return -1;
	return 0;
}

int shape_axis(struct ir_module *m, const struct ir_op *op, const char *what, int64_t axis,
	       int rank, int *out)
{
	if (axis < -rank || axis >= rank)
		return ir_op_error(m, op, "%s %" PRId64 " is out of range for rank %d", what, axis,
				   rank);
	*out = (int)(axis < 0 ? axis + rank : axis);
	return 0;
}

int shape_attr_axis(struct ir_module *m, const struct ir_op *op, int64_t def, int rank, int *out)
{
	int64_t axis = def;
	if (shape_attr_int(m, op, "axis", def, &axis) < 0)
		return -1;
	return shape_axis(m, op, "axis", axis, rank, out);
}

int shape_axes(struct ir_module *m, const struct ir_op *op, const char *what,
	       const int64_t *axes, int n, int rank, int *out)
{
	if (n > IR_MAX_RANK)
		return ir_op_error(m, op, "%s has %d values, more than %d", what, n, IR_MAX_RANK);
	for (int i = 0; i < n; i++) {
		if (shape_axis(m, op, what, axes[i], rank, &out[i]) < 0)
			return -1;
		for (int j = 0; j < i; j++)
			if (out[j] == out[i])
				return ir_op_error(m, op, "%s repeats axis %d", what, out[i]);
	}
	return 0;
}

bool shape_is_float(const struct ir_type *t)
{
	return t->elem == IR_ELEM_F32 || t->elem == IR_ELEM_F64;
}

bool shape_is_index(const struct ir_type *t)
{
	return t->elem == IR_ELEM_INT && t->is_signed && (t->bits == 32 || t->bits == 64);
}

bool shape_is_numeric(const struct ir_type *t)
{
	return t->elem != IR_ELEM_BOOL;
}

void shape_make_bool(struct ir_type *t)
{
	t->elem = IR_ELEM_BOOL;
	t->bits = 1;
	t->is_signed = false;
}

int shape_same_elem(struct ir_module *m, const struct ir_op *op, int a, int b)
{
	const struct ir_type *ta = ir_operand_type(m, op, a), *tb = ir_operand_type(m, op, b);
	if (ir_type_same_elem(ta, tb))
		return 0;
	char ea[16], eb[16];
	return ir_op_error(m, op, "input %d is %s but input %d is %s", a,
			   ir_elem_str(ta, ea, sizeof ea), b, ir_elem_str(tb, eb, sizeof eb));
}

int shape_known(struct ir_module *m, const struct ir_op *op, int k, const char *what,
		const void **data)
{
	if (!ir_operand_type(m, op, k))
		return ir_op_error(m, op, "%s is missing", what);
	*data = ir_known_data(m, op->operands[k]);
	if (*data)
		return 0;
	if (!m->error[0])
		ir_op_error(m, op, "%s must be a constant", what);
	return -1;
}

int shape_known_ints(struct ir_module *m, const struct ir_op *op, int k, const char *what,
		     int max, const int64_t **values, int *n)
{
	const struct ir_type *t = ir_operand_type(m, op, k);
	if (!t)
		return ir_op_error(m, op, "%s is missing", what);
	if (!shape_is_index(t)) {
		char buf[16];
		return ir_op_error(m, op, "%s must be int64 or int32, got %s", what,
				   ir_elem_str(t, buf, sizeof buf));
	}
	if (t->rank > 1)
		return ir_op_error(m, op, "%s must be a 1-D tensor, got rank %d", what, t->rank);
	int64_t count = ir_type_numel(t);
	if (count > max)
		return ir_op_error(m, op, "%s has %" PRId64 " values, at most %d allowed", what,
				   count, max);
	const void *data;
	if (shape_known(m, op, k, what, &data) < 0)
		return -1;
	*values = data;
	*n = (int)count;
	return 0;
}

char *shape_dims_str(const int64_t *dims, int n, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "[");
	for (int i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%" PRId64, i ? "," : "", dims[i]);
	if (used < len)
		snprintf(buf + used, len - used, "]");
	return buf;
}

double shape_elem(const struct ir_type *t, const void *data, int64_t i)
{
	switch (t->elem) {
	case IR_ELEM_F32: return ((const float *)data)[i];
	case IR_ELEM_F64: return ((const double *)data)[i];
	case IR_ELEM_BOOL:
	case IR_ELEM_INT: return (double)((const int64_t *)data)[i];
	}
	return 0;
}

int shape_attr_int(struct ir_module *m, const struct ir_op *op, const char *name, int64_t def,
		   int64_t *out)
{
	const struct ir_attr *a = ir_attr_find(op, name);
	if (a && a->kind != IR_ATTR_INT)
		return ir_op_error(m, op, "attribute %s must be an int", name);
	*out = a ? a->i : def;
	return 0;
}

int shape_attr_list(struct ir_module *m, const struct ir_op *op, const char *name,
		    const int64_t **values, int *n)
{
	const struct ir_attr *a = ir_attr_find(op, name);
	*values = NULL;
	*n = 0;
	if (!a)
		return 0;
	if (a->kind != IR_ATTR_INTS)
		return ir_op_error(m, op, "attribute %s must be a list of ints", name);
	*values = a->ints;
	*n = a->n;
	return 0;
}

int shape_attr_ints(struct ir_module *m, const struct ir_op *op, const char *name, int n,
		    int64_t def, int64_t lo, int64_t hi, int64_t *out)
{
	const struct ir_attr *a = ir_attr_find(op, name);
	if (!a) {
		for (int i = 0; i < n; i++)
			out[i] = def;
		return 0;
	}
	if (a->kind != IR_ATTR_INTS)
		return ir_op_error(m, op, "attribute %s must be a list of ints", name);
	if (a->n != n)
		return ir_op_error(m, op, "attribute %s has %d values, expected %d", name, a->n, n);
	for (int i = 0; i < n; i++) {
		if (a->ints[i] < lo || a->ints[i] > hi) {
			char range[64];
			snprintf(range, sizeof range, "%" PRId64 "..%" PRId64, lo, hi);
			if (hi == SHAPE_MAX_DIM)
				snprintf(range, sizeof range, "%" PRId64 "..2^40", lo);
			return ir_op_error(m, op, "attribute %s value %" PRId64 " is out of range %s",
					   name, a->ints[i], range);
		}
		out[i] = a->ints[i];
	}
	return 0;
}

int shape_attr_choice(struct ir_module *m, const struct ir_op *op, const char *name,
		      const char *const *choices)
{
	const struct ir_attr *a = ir_attr_find(op, name);
	if (!a)
		return 0;
	if (a->kind != IR_ATTR_STRING || !a->s)
		return ir_op_error(m, op, "attribute %s must be a string", name);
	for (int i = 0; choices[i]; i++)
		if (!strcmp(a->s, choices[i]))
			return i;
	return ir_op_error(m, op, "attribute %s has unsupported value '%.60s'", name, a->s);
}

int shape_attr_flag(struct ir_module *m, const struct ir_op *op, const char *name, int def,
		    int *out)
{
	const struct ir_attr *a = ir_attr_find(op, name);
	if (!a) {
		*out = def;
		return 0;
	}
	if (a->kind != IR_ATTR_INT || (a->i != 0 && a->i != 1))
		return ir_op_error(m, op, "attribute %s must be 0 or 1", name);
	*out = (int)a->i;
	return 0;
}
