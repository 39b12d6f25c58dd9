/* info.c: the bytes of struct qonnx_model_info and its tensor records (the
 * layout of runtime/qonnx_runtime.h, ABI version 1) as the target sees them.
 * Every field sits at its natural alignment and the struct sizes are
 * multiples of 8, so the offsets below hold for every C ABI; only the byte
 * order depends on the target. */
#include "backend.h"
#include "plan.h"

#include <stdlib.h>
#include <string.h>

enum {
	ABI_VERSION = 1,
	NAME_SIZE = 64,
	MAX_RANK = 8,
	/* struct qonnx_model_info */
	MI_ABI = 0, MI_SIZE = 4, MI_NIN = 8, MI_NOUT = 12, MI_WS = 16, MI_WS_ALIGN = 24,
	MI_WEIGHTS = 32, MI_TOFF = 40, MI_TSIZE = 44, MI_PREFIX = 48, MI_SOURCE = 112,
	MI_COMPILER = 176, MI_SHA = 208, MI_BYTES = 240,
	/* struct qonnx_tensor_info */
	TI_NAME = 0, TI_SHAPE = 64, TI_NUMEL = 128, TI_SCALE = 136, TI_ZERO = 144, TI_RANK = 152,
	TI_ELEM = 156, TI_BITS = 160, TI_SIGNED = 164, TI_QUANT = 168, TI_QBITS = 172,
	TI_QSIGNED = 176, TI_QNARROW = 180, TI_QROUND = 184, TI_QBYTES = 188, TI_BYTES = 192,
};

struct out {
	uint8_t *p;
	bool big;
};

static void put(struct out *o, size_t at, uint64_t v, int size)
{
	for (int k = 0; k < size; k++)
		o->p[at + (size_t)(o->big ? size - 1 - k : k)] = (uint8_t)(v >> (8 * k));
}

/* A NUL-terminated string, truncated to fit. */
static void put_str(struct out *o, size_t at, const char *s, size_t size)
{
	size_t n = strlen(s);
	memcpy(o->p + at, s, n < size ? n : size - 1);
}

static void put_f64(struct out *o, size_t at, double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	put(o, at, u, 8);
}

static int elem_code(const struct ir_type *t)
{
	switch (t->elem) {
	case IR_ELEM_F32:
		return 0;
	case IR_ELEM_F64:
		return 1;
	case IR_ELEM_BOOL:
		return 2;
	case IR_ELEM_INT:
		break;
	}
	return 3;
}

static void put_tensor(struct out *o, size_t at, struct ir_module *m, const struct abi_tensor *t)
{
	put_str(o, at + TI_NAME, m->values[t->value].name, NAME_SIZE);
	for (int k = 0; k < t->type->rank; k++)
		put(o, at + TI_SHAPE + 8 * (size_t)k, (uint64_t)t->type->dims[k], 8);
	put(o, at + TI_NUMEL, (uint64_t)ir_type_numel(t->type), 8);
	put(o, at + TI_RANK, t->type->rank, 4);
	put(o, at + TI_ELEM, (uint64_t)elem_code(t->type), 4);
	put(o, at + TI_BITS, t->type->bits, 4);
	put(o, at + TI_SIGNED, t->type->elem == IR_ELEM_INT && t->type->is_signed, 4);
	if (!t->quantized)
		return;
	put_f64(o, at + TI_SCALE, t->scale);
	put(o, at + TI_ZERO, (uint64_t)t->zero_point, 8);
	put(o, at + TI_QUANT, 1, 4);
	put(o, at + TI_QBITS, (uint64_t)t->bits, 4);
	put(o, at + TI_QSIGNED, t->is_signed, 4);
	put(o, at + TI_QNARROW, t->narrow, 4);
	put(o, at + TI_QROUND, t->rounding, 4);
	put(o, at + TI_QBYTES, (uint64_t)abi_container_bytes(t->q_type->bits), 4);
}

uint8_t *info_bytes(const struct model_desc *d, bool big_endian, size_t *n)
{
	const struct abi *a = &d->abi;
	size_t size = MI_BYTES + TI_BYTES * (size_t)(a->ninputs + a->noutputs);
	struct out o = {calloc(size, 1), big_endian};
	if (!o.p)
		abort();
	char compiler[64];
	snprintf(compiler, sizeof compiler, "qonnxc %s", d->o->version);
	put(&o, MI_ABI, ABI_VERSION, 4);
	put(&o, MI_SIZE, size, 4);
	put(&o, MI_NIN, (uint64_t)a->ninputs, 4);
	put(&o, MI_NOUT, (uint64_t)a->noutputs, 4);
	put(&o, MI_WS, (uint64_t)d->workspace_size, 8);
	put(&o, MI_WS_ALIGN, PLAN_ALIGN, 8);
	put(&o, MI_WEIGHTS, (uint64_t)d->weights_size, 8);
	put(&o, MI_TOFF, MI_BYTES, 4);
	put(&o, MI_TSIZE, TI_BYTES, 4);
	put_str(&o, MI_PREFIX, d->o->prefix, NAME_SIZE);
	put_str(&o, MI_SOURCE, d->o->source_name, NAME_SIZE);
	put_str(&o, MI_COMPILER, compiler, 32);
	memcpy(o.p + MI_SHA, d->o->source_sha256, 32);
	for (int k = 0; k < a->ninputs + a->noutputs; k++)
		put_tensor(&o, MI_BYTES + TI_BYTES * (size_t)k, d->m,
			   k < a->ninputs ? &a->inputs[k] : &a->outputs[k - a->ninputs]);
	*n = size;
	return o.p;
}
