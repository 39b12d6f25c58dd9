/* module.c: creating and editing an IR module (see ir.h).
 *
 * Values and ops live in growable arrays owned by the module and are referred
 * to by index; everything else comes from the module's arena. Names are kept
 * unique through two hash tables (values, ops).
 */
#include "ir.h"
#include "names.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_BYTES (4ull << 30)

static void *grow_array(void *p, int *cap, int need, size_t elem)
{
	if (need <= *cap)
		return p;
	int ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap *= 2;
	void *q = realloc(p, (size_t)ncap * elem);
	if (!q) {
		fprintf(stderr, "qonnxc: fatal: out of memory\n");
		abort();
	}
	memset((char *)q + (size_t)*cap * elem, 0, (size_t)(ncap - *cap) * elem);
	*cap = ncap;
	return q;
}

static const char *value_name(void *ctx, int i) { return ((struct ir_module *)ctx)->values[i].name; }
static const char *op_name(void *ctx, int i) { return ((struct ir_module *)ctx)->ops[i].name; }

struct ir_module *ir_module_new(const char *path)
{
	struct ir_module *m = calloc(1, sizeof *m);
	if (!m)
		abort();
	m->path = arena_strdup(&m->arena, path ? path : "");
	m->max_bytes = DEFAULT_MAX_BYTES;
	m->value_names = ir_names_new(value_name, m);
	m->op_names = ir_names_new(op_name, m);
	return m;
}

void ir_module_free(struct ir_module *m)
{
	if (!m)
		return;
	free(m->values);
	free(m->ops);
	free(m->inputs);
	free(m->outputs);
	free(m->uses);
	ir_names_free(m->value_names);
	ir_names_free(m->op_names);
	arena_free(&m->arena);
	free(m);
}

/* ---- diagnostics ------------------------------------------------------- */

static void record(struct ir_module *m, const char *prefix, const char *fmt, va_list ap)
{
	if (m->error[0])
		return;
	size_t n = (size_t)snprintf(m->error, sizeof m->error, "%s", prefix);
	if (n < sizeof m->error)
		vsnprintf(m->error + n, sizeof m->error - n, fmt, ap);
	for (char *p = m->error; *p; p++) /* keep it one line */
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

int ir_error(struct ir_module *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	record(m, "", fmt, ap);
	va_end(ap);
	return -1;
}

int ir_op_error(struct ir_module *m, const struct ir_op *op, const char *fmt, ...)
{
	char prefix[320];
	snprintf(prefix, sizeof prefix, "node '%.200s' (%s): ", op->name,
		 op->onnx_type ? op->onnx_type : ir_opinfo[op->code].name);
	va_list ap;
	va_start(ap, fmt);
	record(m, prefix, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- names ------------------------------------------------------------- */

/* base itself when free, else base_K with K from a per-module counter, so
 * generating many names from one base stays linear. */
static const char *unique_in(struct ir_module *m, struct ir_names *t, const char *base)
{
	if (!base || !*base)
		base = "v";
	if (ir_names_find(t, base) < 0)
		return arena_strdup(&m->arena, base);
	for (;;) {
		char *s = arena_printf(&m->arena, "%s_%lu", base, ++m->name_serial);
		if (ir_names_find(t, s) < 0)
			return s;
	}
}

const char *ir_unique_name(struct ir_module *m, const char *base)
{
	return unique_in(m, m->value_names, base);
}

int ir_find_value(struct ir_module *m, const char *name)
{
	return ir_names_find(m->value_names, name);
}

/* ---- building ---------------------------------------------------------- */

static int new_value(struct ir_module *m, const char *name, enum ir_value_kind kind)
{
	m->values = grow_array(m->values, &m->cap_values, m->nvalues + 1, sizeof *m->values);
	int v = m->nvalues++;
	struct ir_value *val = &m->values[v];
	memset(val, 0, sizeof *val);
	val->name = ir_unique_name(m, name);
	val->kind = kind;
	val->def = IR_NONE;
	val->type = ir_type_f32(0, NULL);
	ir_names_add(m->value_names, val->name, v);
	return v;
}

/* Bytes of storage for t, or -1 after an error when over the limit. */
static int check_size(struct ir_module *m, const struct ir_type *t, const char *what, size_t *bytes)
{
	size_t n = ir_storage_size(t->elem);
	for (int i = 0; i < t->rank; i++) {
		if (t->dims[i] < 0)
			return ir_error(m, "%s: negative dimension %lld", what, (long long)t->dims[i]);
		if (!size_mul(n, (size_t)t->dims[i], &n) || n > m->max_bytes)
			return ir_error(m, "%s: tensor of type %s needs more than the %llu-byte limit", what,
					ir_type_str(t, (char[160]){0}, 160), (unsigned long long)m->max_bytes);
	}
	*bytes = n;
	return 0;
}

/* The builders copy *t before new_value, which may move m->values: callers
 * pass the type of an existing value. */
int ir_add_input(struct ir_module *m, const char *name, const struct ir_type *t)
{
	size_t bytes;
	const struct ir_type type = *t;
	if (check_size(m, &type, name, &bytes) < 0)
		return -1;
	int v = new_value(m, name, IR_VALUE_INPUT);
	m->values[v].type = type;
	m->inputs = realloc(m->inputs, (size_t)(m->ninputs + 1) * sizeof *m->inputs);
	if (!m->inputs)
		abort();
	m->inputs[m->ninputs++] = v;
	return v;
}

int ir_add_const(struct ir_module *m, const char *name, const struct ir_type *t, const void *data)
{
	size_t bytes;
	const struct ir_type type = *t;
	if (check_size(m, &type, name && *name ? name : "constant", &bytes) < 0)
		return -1;
	void *copy = data ? arena_memdup(&m->arena, data, bytes) : arena_alloc(&m->arena, bytes);
	int v = new_value(m, name, IR_VALUE_CONST);
	m->values[v].type = type;
	m->values[v].data = copy;
	return v;
}

int ir_add_op(struct ir_module *m, enum ir_opcode code, const char *name, int noperands,
	      const int *operands, int nresults, const char *const *result_names)
{
	assert(code < IR_OP_COUNT && noperands >= 0 && nresults >= 0);
	m->ops = grow_array(m->ops, &m->cap_ops, m->nops + 1, sizeof *m->ops);
	int o = m->nops++;
	struct ir_op *op = &m->ops[o];
	memset(op, 0, sizeof *op);
	op->code = code;
	op->name = unique_in(m, m->op_names, name && *name ? name : ir_opinfo[code].name);
	ir_names_add(m->op_names, op->name, o);
	op->noperands = noperands;
	op->operands = arena_alloc(&m->arena, (size_t)noperands * sizeof(int) + 1);
	for (int i = 0; i < noperands; i++)
		op->operands[i] = operands[i];
	op->nresults = nresults;
	op->results = arena_alloc(&m->arena, (size_t)nresults * sizeof(int) + 1);
	for (int k = 0; k < nresults; k++) {
		const char *rn = result_names && result_names[k] && *result_names[k]
					 ? result_names[k]
					 : arena_printf(&m->arena, "%s_out%d", m->ops[o].name, k);
		int v = new_value(m, rn, IR_VALUE_RESULT);
		m->values[v].def = o;
		m->values[v].def_result = k;
		m->ops[o].results[k] = v;
	}
	return o;
}

void ir_add_output(struct ir_module *m, int v)
{
	m->outputs = realloc(m->outputs, (size_t)(m->noutputs + 1) * sizeof *m->outputs);
	if (!m->outputs)
		abort();
	m->outputs[m->noutputs++] = v;
}

const struct ir_type *ir_operand_type(struct ir_module *m, const struct ir_op *op, int k)
{
	if (k < 0 || k >= op->noperands || op->operands[k] == IR_NONE)
		return NULL;
	return &m->values[op->operands[k]].type;
}
