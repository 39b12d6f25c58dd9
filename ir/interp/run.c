/* run.c: executing a module or a single op with the kernel table.
 *
 * interp_run walks m->ops in program order (ir.h guarantees it is
 * topological), skipping dead ops. Constants are read in place from
 * value->data and graph inputs from the caller's tensors; every op result gets
 * malloc'd storage when produced and is freed as soon as its last use has run
 * (use counts are recomputed here for every run, so the module's use lists
 * need not be current). Graph outputs are copied into the caller's arena.
 *
 * Also the storage-form conversions ir_tensor_get / ir_tensor_set.
 */
#include "interp.h"
#include "kernels.h"
#include "tensor_util.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- storage-form conversions ------------------------------------------- */

double ir_tensor_get(const struct ir_tensor *t, int64_t i)
{
	switch (t->type.elem) {
	case IR_ELEM_F32: return ((const float *)t->data)[i];
	case IR_ELEM_F64: return ((const double *)t->data)[i];
	case IR_ELEM_BOOL: return ((const int64_t *)t->data)[i] != 0;
	case IR_ELEM_INT: break;
	}
	int64_t v = ((const int64_t *)t->data)[i];
	if (!t->type.is_signed && t->type.bits >= 64)
		return (double)(uint64_t)v;
	return (double)v;
}

/* v truncated toward zero and reduced modulo 2^64, for any double (NaN and
 * infinities give 0): the same bits a wrapping integer conversion would give,
 * without undefined behaviour. */
static uint64_t double_to_u64_wrapped(double v)
{
	if (!isfinite(v))
		return 0;
	v = trunc(v);
	if (v >= -9223372036854775808.0 && v < 9223372036854775808.0)
		return (uint64_t)(int64_t)v;
	double r = fmod(v, 18446744073709551616.0);
	if (r < 0)
		r += 18446744073709551616.0;
	if (r >= 18446744073709551616.0) /* r was a tiny negative */
		r = 0;
	return (uint64_t)r;
}

void ir_tensor_set(struct ir_tensor *t, int64_t i, double v)
{
	switch (t->type.elem) {
	case IR_ELEM_F32: ((float *)t->data)[i] = (float)v; return;
	case IR_ELEM_F64: ((double *)t->data)[i] = v; return;
	case IR_ELEM_BOOL: ((int64_t *)t->data)[i] = v != 0; return;
	case IR_ELEM_INT:
		((int64_t *)t->data)[i] = ir_int_wrap(&t->type, double_to_u64_wrapped(v));
		return;
	}
}

/* ---- one op --------------------------------------------------------------- */

/* Bytes of storage for t; 0 with an error when it does not fit in size_t. */
static int tensor_bytes(struct ir_module *m, const struct ir_op *op, const struct ir_type *t,
			size_t *bytes)
{
	size_t n = ir_storage_size(t->elem);
	for (int k = 0; k < t->rank; k++)
		if (t->dims[k] < 0 || !size_mul(n, (size_t)t->dims[k], &n))
			return ir_op_error(m, op, "result tensor too large to allocate");
	*bytes = n;
	return 0;
}

static int call_kernel(struct ir_module *m, const struct ir_op *op,
		       const struct ir_tensor *const *in, struct ir_tensor *const *out)
{
	interp_kernel kernel = interp_kernels[op->code];
	assert(kernel && "every opcode has a kernel");
	struct arena scratch = {0};
	int r = kernel(m, op, in, out, &scratch);
	arena_free(&scratch);
	if (r < 0 && !m->error[0])
		ir_op_error(m, op, "evaluation failed");
	return r;
}

int interp_eval_op(struct ir_module *m, const struct ir_op *op,
		   const struct ir_tensor *const *in, struct ir_tensor *out, struct arena *a)
{
	int r = -1;
	struct ir_tensor **outp = malloc(((size_t)op->nresults + 1) * sizeof *outp);
	if (!outp)
		return ir_op_error(m, op, "out of memory");
	for (int k = 0; k < op->nresults; k++) {
		size_t bytes;
		out[k].type = m->values[op->results[k]].type;
		if (tensor_bytes(m, op, &out[k].type, &bytes) < 0)
			goto fail;
		out[k].data = arena_alloc(a, bytes);
		outp[k] = &out[k];
	}
	r = call_kernel(m, op, in, (struct ir_tensor *const *)outp);
fail:
	free(outp);
	return r;
}

/* ---- the whole module ------------------------------------------------------ */

struct run_state {
	struct ir_tensor *tensors; /* per value; data NULL until available */
	bool *owned;               /* per value: data is malloc'd here */
	int *uses_left;            /* per value: operand slots of live ops not yet run */
	const struct ir_tensor **in;
	struct ir_tensor **out;
};

static void release(struct run_state *s, int v)
{
	if (s->owned[v])
		free(s->tensors[v].data);
	s->owned[v] = false;
	s->tensors[v].data = NULL;
}

static int bind_inputs(struct ir_module *m, struct run_state *s, const struct ir_tensor *inputs)
{
	for (int v = 0; v < m->nvalues; v++)
		if (m->values[v].kind == IR_VALUE_CONST)
			s->tensors[v] = (struct ir_tensor){m->values[v].type, m->values[v].data};
	for (int i = 0; i < m->ninputs; i++) {
		const struct ir_value *val = &m->values[m->inputs[i]];
		if (!ir_type_equal(&inputs[i].type, &val->type)) {
			char want[160], got[160];
			return ir_error(m, "input '%s' has type %s, expected %s", val->name,
					ir_type_str(&inputs[i].type, got, sizeof got),
					ir_type_str(&val->type, want, sizeof want));
		}
		s->tensors[m->inputs[i]] = inputs[i];
	}
	return 0;
}

static void count_uses(struct ir_module *m, struct run_state *s, int *max_operands,
		       int *max_results)
{
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		if (op->dead)
			continue;
		for (int k = 0; k < op->noperands; k++)
			if (op->operands[k] != IR_NONE)
				s->uses_left[op->operands[k]]++;
		if (op->noperands > *max_operands)
			*max_operands = op->noperands;
		if (op->nresults > *max_results)
			*max_results = op->nresults;
	}
	for (int i = 0; i < m->noutputs; i++)
		s->uses_left[m->outputs[i]]++; /* kept until copied out */
}

static int run_op(struct ir_module *m, struct run_state *s, const struct ir_op *op)
{
	for (int k = 0; k < op->noperands; k++) {
		int v = op->operands[k];
		s->in[k] = v == IR_NONE ? NULL : &s->tensors[v];
		if (v != IR_NONE && !s->tensors[v].data)
			return ir_op_error(m, op, "input '%s' is not computed before its use",
					   m->values[v].name);
	}
	for (int k = 0; k < op->nresults; k++) {
		int v = op->results[k];
		size_t bytes;
		s->tensors[v].type = m->values[v].type;
		if (tensor_bytes(m, op, &s->tensors[v].type, &bytes) < 0)
			return -1;
		s->tensors[v].data = calloc(1, bytes ? bytes : 1);
		if (!s->tensors[v].data)
			return ir_op_error(m, op, "out of memory for a %zu-byte result", bytes);
		s->owned[v] = true;
		s->out[k] = &s->tensors[v];
	}
	if (call_kernel(m, op, s->in, s->out) < 0)
		return -1;
	for (int k = 0; k < op->noperands; k++) {
		int v = op->operands[k];
		if (v != IR_NONE && --s->uses_left[v] == 0)
			release(s, v);
	}
	for (int k = 0; k < op->nresults; k++)
		if (s->uses_left[op->results[k]] == 0)
			release(s, op->results[k]);
	return 0;
}

static int copy_outputs(struct ir_module *m, struct run_state *s, struct ir_tensor *outputs,
			struct arena *a)
{
	for (int i = 0; i < m->noutputs; i++) {
		int v = m->outputs[i];
		const struct ir_tensor *t = &s->tensors[v];
		if (!t->data)
			return ir_error(m, "graph output '%s' is not computed", m->values[v].name);
		size_t bytes = ir_storage_size(t->type.elem) * (size_t)ir_type_numel(&t->type);
		outputs[i].type = t->type;
		outputs[i].data = arena_memdup(a, t->data, bytes);
	}
	return 0;
}

int interp_run(struct ir_module *m, const struct ir_tensor *inputs, struct ir_tensor *outputs,
	       struct arena *a)
{
	size_t n = (size_t)m->nvalues + 1;
	int max_operands = 0, max_results = 0, r = -1;
	struct run_state s = {
		.tensors = calloc(n, sizeof *s.tensors),
		.owned = calloc(n, sizeof *s.owned),
		.uses_left = calloc(n, sizeof *s.uses_left),
	};
	if (!s.tensors || !s.owned || !s.uses_left) {
		ir_error(m, "out of memory");
		goto fail;
	}
	count_uses(m, &s, &max_operands, &max_results);
	s.in = calloc((size_t)max_operands + 1, sizeof *s.in);
	s.out = calloc((size_t)max_results + 1, sizeof *s.out);
	if (!s.in || !s.out) {
		ir_error(m, "out of memory");
		goto fail;
	}
	if (bind_inputs(m, &s, inputs) < 0)
		goto fail;
	for (int o = 0; o < m->nops; o++)
		if (!m->ops[o].dead && run_op(m, &s, &m->ops[o]) < 0)
			goto fail;
	r = copy_outputs(m, &s, outputs, a);
fail:
	if (s.owned && s.tensors)
		for (int v = 0; v < m->nvalues; v++)
			release(&s, v);
	free(s.tensors);
	free(s.owned);
	free(s.uses_left);
	free(s.in);
	free(s.out);
	return r;
}
