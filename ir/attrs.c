/* attrs.c: typed op attributes: setting (copied into the arena) and lookup
 * with defaults. Attribute names are ONNX's. */
#include "ir.h"

#include <string.h>

const struct ir_attr *ir_attr_find(const struct ir_op *op, const char *name)
{
	for (int i = 0; i < op->nattrs; i++)
		if (!strcmp(op->attrs[i].name, name))
			return &op->attrs[i];
	return NULL;
}

void ir_set_attr(struct ir_module *m, int o, const struct ir_attr *a)
{
	struct ir_op *op = &m->ops[o];
	struct ir_attr copy = *a;
	copy.name = arena_strdup(&m->arena, a->name);
	if (a->s)
		copy.s = arena_strdup(&m->arena, a->s);
	if (a->ints)
		copy.ints = arena_memdup(&m->arena, a->ints, (size_t)a->n * sizeof *a->ints);
	if (a->floats)
		copy.floats = arena_memdup(&m->arena, a->floats, (size_t)a->n * sizeof *a->floats);
	struct ir_attr *old = (struct ir_attr *)ir_attr_find(op, a->name);
	if (old) {
		*old = copy;
		return;
	}
	struct ir_attr *attrs = arena_alloc(&m->arena, (size_t)(op->nattrs + 1) * sizeof *attrs);
	if (op->nattrs)
		memcpy(attrs, op->attrs, (size_t)op->nattrs * sizeof *attrs);
	attrs[op->nattrs++] = copy;
	op->attrs = attrs;
}

void ir_set_attr_int(struct ir_module *m, int op, const char *name, int64_t v)
{
	ir_set_attr(m, op, &(struct ir_attr){.name = name, .kind = IR_ATTR_INT, .i = v});
}

void ir_set_attr_float(struct ir_module *m, int op, const char *name, double v)
{
	ir_set_attr(m, op, &(struct ir_attr){.name = name, .kind = IR_ATTR_FLOAT, .f = v});
}

void ir_set_attr_string(struct ir_module *m, int op, const char *name, const char *s)
{
	ir_set_attr(m, op, &(struct ir_attr){.name = name, .kind = IR_ATTR_STRING, .s = s});
}

void ir_set_attr_ints(struct ir_module *m, int op, const char *name, int n, const int64_t *v)
{
	ir_set_attr(m, op, &(struct ir_attr){.name = name, .kind = IR_ATTR_INTS, .n = n,
					     .ints = (int64_t *)v});
}

int64_t ir_attr_int(const struct ir_op *op, const char *name, int64_t def)
{
	const struct ir_attr *a = ir_attr_find(op, name);
	if (!a)
		return def;
	if (a->kind == IR_ATTR_FLOAT) /* saturate: the cast is undefined out of range */
		return a->f != a->f ? def
		       : a->f >= 9.2e18 ? INT64_MAX
		       : a->f <= -9.2e18 ? INT64_MIN : (int64_t)a->f;
	return a->kind == IR_ATTR_INT ? a->i : def;
}

double ir_attr_float(const struct ir_op *op, const char *name, double def)
{
	const struct ir_attr *a = ir_attr_find(op, name);
	if (!a)
		return def;
	if (a->kind == IR_ATTR_INT)
		return (double)a->i;
	return a->kind == IR_ATTR_FLOAT ? a->f : def;
}

const char *ir_attr_string(const struct ir_op *op, const char *name, const char *def)
{
	const struct ir_attr *a = ir_attr_find(op, name);
	return a && a->kind == IR_ATTR_STRING ? a->s : def;
}

const int64_t *ir_attr_ints(const struct ir_op *op, const char *name, int *n)
{
	const struct ir_attr *a = ir_attr_find(op, name);
	if (!a || a->kind != IR_ATTR_INTS) {
		*n = 0;
		return NULL;
	}
	*n = a->n;
	return a->ints;
}

const double *ir_attr_floats(const struct ir_op *op, const char *name, int *n)
{
	const struct ir_attr *a = ir_attr_find(op, name);
	if (!a || a->kind != IR_ATTR_FLOATS) {
		*n = 0;
		return NULL;
	}
	*n = a->n;
	return a->floats;
}
