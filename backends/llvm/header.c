/* header.c: the C header of a compiled model.
 *
 * It includes only <stdint.h> and <stddef.h>, compiles as C99 and C++11
 * (extern "C"), and describes the interface twice: as macros (PREFIX_IN0_SIZE,
 * ..., for static allocation) and as the declaration of P_info. The struct
 * definitions come from header_shared_block, which runtime/qonnx_runtime.h
 * repeats word for word under the same include guard, so the two headers can
 * be included together in either order. Names from the model are written as
 * escaped string literals (also inside comments), so no model can break the
 * header. Everything here is deterministic: no dates, no absolute paths.
 *
 * PREFIX_STACK_SIZE (footprint.c) is a macro only: P_info's description is
 * part of the code it measures.
 */
#include "backend.h"
#include "plan.h"
#include "sha256.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char header_shared_block[] =
	"#ifndef QONNX_MODEL_INFO_DEFINED\n"
	"#define QONNX_MODEL_INFO_DEFINED\n"
	"/* The description of a model compiled by qonnxc, returned by P_info(). It\n"
	" * holds no pointers (it lives in read-only data without relocations); the\n"
	" * tensor records follow it in memory, inputs then outputs, reached with\n"
	" * qonnx_input_info and qonnx_output_info. All fields are naturally aligned,\n"
	" * so the layout is the same for every C ABI. */\n"
	"#define QONNX_ABI_VERSION 1\n"
	"#define QONNX_MAX_RANK 8\n"
	"#define QONNX_NAME_SIZE 64\n"
	"\n"
	"/* Return values of the entry points. */\n"
	"#define QONNX_OK 0\n"
	"#define QONNX_ERR_NULL (-1)  /* a null argument (the workspace may be null\n"
	"                              * when the workspace size is 0) */\n"
	"#define QONNX_ERR_ALIGN (-2) /* the workspace is not aligned to the\n"
	"                              * workspace alignment */\n"
	"\n"
	"/* Element types inside the model (the entry points pass float32 for all). */\n"
	"#define QONNX_ELEM_F32 0\n"
	"#define QONNX_ELEM_F64 1\n"
	"#define QONNX_ELEM_BOOL 2\n"
	"#define QONNX_ELEM_INT 3\n"
	"\n"
	"/* Rounding of a quantized input's quantizer (QONNX rounding_mode). */\n"
	"#define QONNX_ROUND_HALF_EVEN 0\n"
	"#define QONNX_ROUND_CEIL 1\n"
	"#define QONNX_ROUND_FLOOR 2\n"
	"#define QONNX_ROUND_UP 3\n"
	"#define QONNX_ROUND_DOWN 4\n"
	"#define QONNX_ROUND_HALF_UP 5\n"
	"#define QONNX_ROUND_HALF_DOWN 6\n"
	"\n"
	"struct qonnx_tensor_info {\n"
	"\tchar name[QONNX_NAME_SIZE];    /* the model's tensor name, truncated */\n"
	"\tint64_t shape[QONNX_MAX_RANK]; /* rank entries used */\n"
	"\tint64_t size;                  /* elements */\n"
	"\t/* quantized: real = scale * (q - zero_point), q the integers _run_q\n"
	"\t * passes, in q_bytes-byte containers */\n"
	"\tdouble scale;\n"
	"\tint64_t zero_point;\n"
	"\tint32_t rank;\n"
	"\tint32_t elem;                  /* QONNX_ELEM_* inside the model */\n"
	"\tint32_t bits;                  /* integer width inside the model */\n"
	"\tint32_t is_signed;\n"
	"\tint32_t quantized;             /* 1: _run_q passes integers */\n"
	"\tint32_t q_bits;                /* quantizer width (1 signed: bipolar, -1/+1) */\n"
	"\tint32_t q_signed;\n"
	"\tint32_t q_narrow;              /* input quantizer's narrow range */\n"
	"\tint32_t q_rounding;            /* input quantizer's QONNX_ROUND_* */\n"
	"\tint32_t q_bytes;               /* container of the integers: 1, 2, 4 or 8 */\n"
	"};\n"
	"\n"
	"struct qonnx_model_info {\n"
	"\tuint32_t abi_version;          /* QONNX_ABI_VERSION */\n"
	"\tuint32_t size;                 /* bytes of the description, records included */\n"
	"\tuint32_t num_inputs;\n"
	"\tuint32_t num_outputs;\n"
	"\tuint64_t workspace_size;       /* bytes */\n"
	"\tuint64_t workspace_align;      /* bytes */\n"
	"\tuint64_t weights_size;         /* bytes of constant data */\n"
	"\tuint32_t tensor_offset;        /* from the start of this struct to the records */\n"
	"\tuint32_t tensor_size;          /* bytes of one record */\n"
	"\tchar prefix[QONNX_NAME_SIZE];  /* of the model's symbols */\n"
	"\tchar source[QONNX_NAME_SIZE];  /* the model file's base name, truncated */\n"
	"\tchar compiler[32];             /* \"qonnxc VERSION\" */\n"
	"\tuint8_t sha256[32];            /* of the model file */\n"
	"};\n"
	"\n"
	"static inline const struct qonnx_tensor_info *\n"
	"qonnx_input_info(const struct qonnx_model_info *m, uint32_t k)\n"
	"{\n"
	"\treturn (const struct qonnx_tensor_info *)(const void *)((const char *)m + m->tensor_offset +\n"
	"\t\t\t\t\t\t\t\t(size_t)k * m->tensor_size);\n"
	"}\n"
	"\n"
	"static inline const struct qonnx_tensor_info *\n"
	"qonnx_output_info(const struct qonnx_model_info *m, uint32_t k)\n"
	"{\n"
	"\treturn qonnx_input_info(m, m->num_inputs + k);\n"
	"}\n"
	"#endif /* QONNX_MODEL_INFO_DEFINED */\n";

/* A growing string. */
struct text {
	char *p;
	size_t n, cap;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		abort();
	if (t->n + (size_t)len + 1 > t->cap) {
		t->cap = (t->n + (size_t)len + 1) * 2;
		t->p = realloc(t->p, t->cap);
		if (!t->p)
			abort();
	}
	va_start(ap, fmt);
	vsnprintf(t->p + t->n, (size_t)len + 1, fmt, ap);
	va_end(ap);
	t->n += (size_t)len;
}

/* s as the body of a C string literal: printable ASCII but '"', '\\' and
 * '?' (trigraphs) as is, everything else an octal escape. Also safe inside
 * a comment: '/' after '*' is escaped. */
static void add_escaped(struct text *t, const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		bool plain = *c >= 0x20 && *c < 0x7f && *c != '"' && *c != '\\' && *c != '?' &&
			     !(*c == '/' && c > (const unsigned char *)s && c[-1] == '*');
		if (plain)
			add(t, "%c", *c);
		else
			add(t, "\\%03o", *c);
	}
}

static void upper(const char *s, char *out, size_t len)
{
	size_t i = 0;
	for (; s[i] && i + 1 < len; i++)
		out[i] = (char)toupper((unsigned char)s[i]);
	out[i] = 0;
}

/* A double as a C floating literal that reads back exactly. */
static void add_double(struct text *t, double v)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%.17g", v);
	add(t, "%s%s", buf, strpbrk(buf, ".e") ? "" : ".0");
}

static void add_int(struct text *t, int64_t v)
{
	if (v == INT64_MIN)
		add(t, "(-9223372036854775807 - 1)");
	else if (v < 0)
		add(t, "(%" PRId64 ")", v);
	else
		add(t, "%" PRId64, v);
}

static const char *elem_name(const struct ir_type *ty, char *buf, size_t len)
{
	return ir_elem_str(ty, buf, len);
}

static void describe_tensor(struct text *t, struct ir_module *m, const char *kind, int k,
			    const struct abi_tensor *a)
{
	char ty[128];
	add(t, " *   %s%d \"", kind, k);
	add_escaped(t, m->values[a->value].name);
	add(t, "\" %s", ir_type_str(a->type, ty, sizeof ty));
	if (a->quantized)
		add(t, "; _run_q: %s, real = %.9g * (q - %" PRId64 ")",
		    abi_c_int_type(a->q_type->bits, a->q_type->is_signed), a->scale, a->zero_point);
	add(t, "\n");
}

static void tensor_macros(struct text *t, struct ir_module *m, const char *up, const char *kind,
			  int k, const struct abi_tensor *a)
{
	char elem[32];
	add(t, "#define %s_%s%d_NAME \"", up, kind, k);
	add_escaped(t, m->values[a->value].name);
	add(t, "\"\n");
	add(t, "#define %s_%s%d_SIZE %" PRId64 "\n", up, kind, k, ir_type_numel(a->type));
	add(t, "#define %s_%s%d_RANK %d\n", up, kind, k, a->type->rank);
	add(t, "#define %s_%s%d_SHAPE {", up, kind, k);
	for (int d = 0; d < a->type->rank; d++)
		add(t, "%s%" PRId64, d ? ", " : "", a->type->dims[d]);
	add(t, "%s}\n", a->type->rank ? "" : "0 /* rank 0: no dimensions */");
	add(t, "#define %s_%s%d_ELEM QONNX_ELEM_%s /* %s inside the model */\n", up, kind, k,
	    (const char *[]){"F32", "F64", "BOOL", "INT"}[a->type->elem],
	    elem_name(a->type, elem, sizeof elem));
	add(t, "#define %s_%s%d_QUANTIZED %d\n", up, kind, k, a->quantized);
	if (!a->quantized)
		return;
	add(t, "#define %s_%s%d_BITS %d\n", up, kind, k, a->bits);
	add(t, "#define %s_%s%d_SIGNED %d\n", up, kind, k, a->is_signed);
	add(t, "#define %s_%s%d_SCALE ", up, kind, k);
	add_double(t, a->scale);
	add(t, "\n#define %s_%s%d_ZERO_POINT ", up, kind, k);
	add_int(t, a->zero_point);
	add(t, "\n#define %s_%s%d_QTYPE %s\n", up, kind, k,
	    abi_c_int_type(a->q_type->bits, a->q_type->is_signed));
}

/* One parameter list: the tensors (as float or, quantized, as the _q
 * integers) then the workspace. */
static void add_params(struct text *t, const struct abi *a, bool q)
{
	for (int k = 0; k < a->ninputs; k++) {
		const struct abi_tensor *x = &a->inputs[k];
		add(t, "const %s *in%d, ",
		    q && x->quantized ? abi_c_int_type(x->q_type->bits, x->q_type->is_signed)
				      : "float", k);
	}
	for (int k = 0; k < a->noutputs; k++) {
		const struct abi_tensor *x = &a->outputs[k];
		add(t, "%s *out%d, ",
		    q && x->quantized ? abi_c_int_type(x->q_type->bits, x->q_type->is_signed)
				      : "float", k);
	}
	add(t, "void *workspace");
}

static void add_comment(struct text *t, const struct model_desc *d)
{
	char hex[65], up[80];
	upper(d->o->prefix, up, sizeof up);
	sha256_hex(d->o->source_sha256, hex);
	add(t, "/* Generated by qonnxc %s from \"", d->o->version);
	add_escaped(t, d->o->source_name);
	add(t, "\"\n * (sha256 %s). Do not edit.\n *\n", hex);
	add(t, " * %s_run computes the outputs from the inputs: one float array per\n"
	       " * tensor in the shape below (row-major), then a workspace of\n"
	       " * %s_WORKSPACE_SIZE bytes aligned to %s_WORKSPACE_ALIGN, which the call\n"
	       " * uses as scratch (its contents need not be preserved between calls).\n"
	       " * Buffers must not overlap. It returns QONNX_OK, or QONNX_ERR_NULL /\n"
	       " * QONNX_ERR_ALIGN for bad pointers; it never allocates, prints or aborts.\n"
	       " * %s_run_v takes the same pointers in two arrays. %s_run_q passes the\n"
	       " * quantized tensors as integers (real = scale * (q - zero_point)).\n *\n",
	    d->o->prefix, up, up, d->o->prefix, d->o->prefix);
	for (int k = 0; k < d->abi.ninputs; k++)
		describe_tensor(t, d->m, "in", k, &d->abi.inputs[k]);
	for (int k = 0; k < d->abi.noutputs; k++)
		describe_tensor(t, d->m, "out", k, &d->abi.outputs[k]);
	add(t, " */\n");
}

char *header_text(const struct model_desc *d, size_t *n)
{
	struct text t = {0};
	const char *p = d->o->prefix;
	char up[80];
	upper(p, up, sizeof up);
	add_comment(&t, d);
	add(&t, "#ifndef %s_QONNX_MODEL_H\n#define %s_QONNX_MODEL_H\n\n", up, up);
	add(&t, "#include <stddef.h>\n#include <stdint.h>\n\n%s\n", header_shared_block);
	add(&t, "#define %s_ABI_VERSION %d\n", up, 1);
	add(&t, "#define %s_NUM_INPUTS %d\n", up, d->abi.ninputs);
	add(&t, "#define %s_NUM_OUTPUTS %d\n", up, d->abi.noutputs);
	add(&t, "#define %s_WORKSPACE_SIZE %" PRId64 "\n", up, d->workspace_size);
	add(&t, "#define %s_WORKSPACE_ALIGN %d\n", up, PLAN_ALIGN);
	add(&t, "#define %s_WEIGHTS_SIZE %" PRId64 "\n", up, d->weights_size);
	if (d->stack_size >= 0)
		add(&t, "/* worst-case stack bytes of a call of any entry point */\n"
			"#define %s_STACK_SIZE %" PRId64 "\n", up, d->stack_size);
	for (int k = 0; k < d->abi.ninputs; k++) {
		add(&t, "\n");
		tensor_macros(&t, d->m, up, "IN", k, &d->abi.inputs[k]);
	}
	for (int k = 0; k < d->abi.noutputs; k++) {
		add(&t, "\n");
		tensor_macros(&t, d->m, up, "OUT", k, &d->abi.outputs[k]);
	}
	add(&t, "\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
	add(&t, "int %s_run(", p);
	add_params(&t, &d->abi, false);
	add(&t, ");\nint %s_run_v(const float *const *inputs, float *const *outputs, "
		"void *workspace);\nint %s_run_q(", p, p);
	add_params(&t, &d->abi, true);
	add(&t, ");\nconst struct qonnx_model_info *%s_info(void);\n", p);
	add(&t, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* %s_QONNX_MODEL_H */\n", up);
	*n = t.n;
	return t.p;
}
