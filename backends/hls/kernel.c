/* kernel.c: every op as a C function, the kernel's top function, NAME.h
 * (types and the top function's prototype) and NAME_weights.h (constant
 * tables).
 *
 * Each non-constant op gets a layer (hls.h): a view op (Reshape, Flatten,
 * Squeeze, Unsqueeze, Identity, Dropout) shares its operand's array;
 * every other op becomes `static void F(const T x0[N0], ..., T y[M])`, its
 * body written by the op's emitter (l_table.c). Kernel functions go into
 * NAME.c, host ones into NAME_io.c (io.c calls them).
 *
 * Kernel arrays: a kernel input is the top function's parameter inK; a
 * layer's result is a static array local to the top function (BRAM or
 * registers after synthesis), or directly the output parameter outK when
 * it is a kernel output nothing else in the kernel reads; other outputs
 * are copied at the end. After each layer, NAME_TRACE hands the result to
 * the testbench (compiled in only with QONNX_HLS_TRACE and without
 * __SYNTHESIS__).
 *
 * Types: NAME.h defines one typedef per exact integer width used
 * (NAME_i10_t...) as the narrowest <stdint.h> type holding it, or with
 * QONNX_HLS_BITINT as _BitInt(N) / unsigned _BitInt(N) of exactly that
 * width; the kernel's ports get their own typedefs recording the width.
 */
#include "hls.h"

#include <stdlib.h>
#include <string.h>

/* ---- tables ------------------------------------------------------------------ */

static struct hls_table *new_table(struct hls *h, const char *base, const struct ir_type *t,
				   int rank, const int64_t *dims, bool io, int layer)
{
	if (h->ntables == h->cap_tables) {
		int cap = h->cap_tables ? 2 * h->cap_tables : 16;
		struct hls_table *nt = arena_alloc(&h->a, (size_t)cap * sizeof *nt);
		if (h->ntables)
			memcpy(nt, h->tables, (size_t)h->ntables * sizeof *nt);
		h->tables = nt;
		h->cap_tables = cap;
	}
	struct hls_table *tab = &h->tables[h->ntables++];
	memset(tab, 0, sizeof *tab);
	tab->name = arena_strdup(&h->a, base);
	tab->type = *t;
	tab->type.rank = 0;
	tab->type.quant = NULL;
	tab->rank = rank;
	tab->n = 1;
	for (int d = 0; d < rank; d++) {
		tab->dims[d] = dims[d];
		tab->n *= dims[d];
	}
	tab->io = io;
	tab->layer = layer;
	return tab;
}

const char *hls_table_int(struct hls *h, const char *base, const struct ir_type *t, int rank,
			  const int64_t *dims, const int64_t *data, bool io, int layer)
{
	struct hls_table *tab = new_table(h, base, t, rank, dims, io, layer);
	tab->ints = arena_memdup(&h->a, data, (size_t)(tab->n ? tab->n : 1) * sizeof(int64_t));
	hls_ctype(h, t);
	if (layer >= 0)
		h->layers[layer].weight_bits += tab->n * t->bits;
	return tab->name;
}

const char *hls_table_float(struct hls *h, const char *base, const struct ir_type *t, int rank,
			    const int64_t *dims, const void *data, bool io, int layer)
{
	struct hls_table *tab = new_table(h, base, t, rank, dims, io, layer);
	size_t es = t->elem == IR_ELEM_F32 ? sizeof(float) : sizeof(double);
	void *copy = arena_memdup(&h->a, data, (size_t)(tab->n ? tab->n : 1) * es);
	if (t->elem == IR_ELEM_F32)
		tab->f32 = copy;
	else
		tab->f64 = copy;
	return tab->name;
}

const char *hls_table_value(struct hls *h, int v, bool io, int layer)
{
	const struct ir_type *t = &h->m->values[v].type;
	const void *data = ir_known_data(h->m, v);
	int64_t n = ir_type_numel(t);
	int rank = 1;
	const int64_t *dims = &n;
	const char *base = hls_str(h, "%s_c%d", h->p, v);
	if (t->elem == IR_ELEM_INT || t->elem == IR_ELEM_BOOL) {
		struct ir_type it = t->elem == IR_ELEM_BOOL ? ir_type_int(1, false, 0, NULL) : *t;
		return hls_table_int(h, base, &it, rank, dims, data, io, layer);
	}
	return hls_table_float(h, base, t, rank, dims, data, io, layer);
}

static void table_element(const struct hls_table *t, int64_t i, struct sb *b)
{
	char lit[64];
	if (t->ints)
		sb_puts(b, hls_lit_int(t->ints[i], lit, sizeof lit));
	else if (t->f32)
		sb_puts(b, hls_lit_f32(t->f32[i], lit, sizeof lit));
	else
		sb_puts(b, hls_lit_f64(t->f64[i], lit, sizeof lit));
}

/* static const T name[d0][d1]... = {{...}, ...}; 12 elements a line. */
static void emit_table(struct hls *h, const struct hls_table *t, struct sb *b)
{
	const char *ct = t->ints ? hls_ctype(h, &t->type) : t->f32 ? "float" : "double";
	sb_printf(b, "static const %s %s", ct, t->name);
	for (int d = 0; d < t->rank; d++)
		sb_printf(b, "[%lld]", (long long)t->dims[d]);
	sb_puts(b, " = ");
	int64_t per_line = 0;
	for (int64_t i = 0; i < t->n; i++) {
		/* open a brace for every dim whose index starts here */
		int64_t span = 1;
		for (int d = t->rank - 1; d >= 0; d--) {
			span *= t->dims[d];
			if (i % span == 0)
				sb_puts(b, "{");
		}
		table_element(t, i, b);
		span = 1;
		bool closed = false;
		for (int d = t->rank - 1; d >= 0; d--) {
			span *= t->dims[d];
			if ((i + 1) % span == 0) {
				sb_puts(b, "}");
				closed = true;
			}
		}
		if (i + 1 < t->n) {
			sb_puts(b, ",");
			per_line++;
			if (closed || per_line == 12) {
				sb_puts(b, "\n\t");
				per_line = 0;
			} else {
				sb_puts(b, " ");
			}
		}
	}
	if (t->n == 0)
		sb_puts(b, "{0}");
	sb_puts(b, ";\n");
}

void hls_emit_tables(struct hls *h, struct sb *b, bool io)
{
	for (int i = 0; i < h->ntables; i++)
		if (h->tables[i].io == io) {
			emit_table(h, &h->tables[i], b);
			sb_puts(b, "\n");
		}
}

/* ---- one function per op ---------------------------------------------------------- */

static bool is_view(const struct hls *h, const struct ir_op *op)
{
	const struct hls_op_emitter *e = hls_emitter(op->code);
	if (!e || !e->alias)
		return false;
	for (int k = 1; k < op->nresults; k++)
		if (h->m->values[op->results[k]].nuses)
			return false;
	return ir_type_same_elem(&h->m->values[op->results[0]].type,
				 &h->m->values[op->operands[0]].type);
}

static void emit_signature(struct hls_fn *f, struct sb *b)
{
	struct hls *h = f->h;
	const struct ir_op *op = f->op;
	char ts[160];
	sb_printf(b, "/* %s: ", f->layer->in_kernel ? "layer" : "host op");
	sb_comment_text(b, op->name);
	sb_printf(b, " (%s%s):", ir_opinfo[op->code].name,
		  op->layout == IR_LAYOUT_NHWC ? ", channels-last" : "");
	for (int k = 0; k < op->noperands; k++)
		if (op->operands[k] != IR_NONE)
			sb_printf(b, " %s", ir_type_str(&h->m->values[op->operands[k]].type, ts, sizeof ts));
	sb_printf(b, " -> %s */\n", ir_type_str(hls_ytype(f), ts, sizeof ts));
	sb_printf(b, "static void %s(", f->layer->fn);
	bool first = true;
	for (int k = 0; k < op->noperands; k++) {
		int v = op->operands[k];
		if (v == IR_NONE || f->x_const[k])
			continue;
		const struct ir_type *t = &h->m->values[v].type;
		sb_printf(b, "%sconst %s x%d[%lld]", first ? "" : ", ", hls_ctype(h, t), k,
			  (long long)ir_type_numel(t));
		first = false;
	}
	sb_printf(b, "%s%s y[%lld])\n{\n", first ? "" : ", ", hls_ctype(h, hls_ytype(f)),
		  (long long)ir_type_numel(hls_ytype(f)));
}

/* Sets up f for op; the operands' names: x<k> parameters, tables for known
 * operands (made on demand by the emitters through f->x, filled here). */
static void setup_fn(struct hls *h, struct hls_layer *l, struct hls_fn *f, struct sb *body)
{
	const struct ir_op *op = &h->m->ops[l->op];
	memset(f, 0, sizeof *f);
	f->h = h;
	f->op = op;
	f->layer = l;
	f->kernel = l->in_kernel;
	f->b = body;
	f->y = "y";
	for (int k = 0; k < op->noperands && k < HLS_MAX_OPERANDS; k++) {
		int v = op->operands[k];
		if (v == IR_NONE)
			continue;
		f->x_const[k] = h->v[v].known;
		f->x[k] = h->v[v].known ? NULL : hls_str(h, "x%d", k);
	}
}

/* Operand names of known operands are the tables of their values, made
 * only for the operands an emitter reads as data. */
static void bind_tables(struct hls_fn *f)
{
	static const bool reads_data[IR_OP_COUNT] = {
		[IR_OP_Add] = true, [IR_OP_Sub] = true, [IR_OP_Mul] = true, [IR_OP_Div] = true,
		[IR_OP_Pow] = true, [IR_OP_Min] = true, [IR_OP_Max] = true, [IR_OP_PRelu] = true,
		[IR_OP_MatMul] = true, [IR_OP_Conv] = true, [IR_OP_Concat] = true,
		[IR_OP_MultiThreshold] = true,
	};
	const struct ir_op *op = f->op;
	if (!reads_data[op->code])
		return;
	for (int k = 0; k < op->noperands && k < HLS_MAX_OPERANDS; k++) {
		if (!f->x_const[k] || op->operands[k] == IR_NONE)
			continue;
		if (op->code == IR_OP_MatMul && k == 1)
			continue; /* reordered by the emitter */
		if (op->code == IR_OP_Conv && k == 1)
			continue;
		if (op->code == IR_OP_MultiThreshold && k > 1)
			continue;
		f->x[k] = hls_table_value(f->h, op->operands[k], !f->kernel, (int)(f->layer - f->h->layers));
	}
}

static void emit_one(struct hls *h, struct hls_layer *l)
{
	const struct ir_op *op = &h->m->ops[l->op];
	const struct hls_op_emitter *e = hls_emitter(op->code);
	if (op->noperands > HLS_MAX_OPERANDS) {
		hls_cannot_map(h, op, "more than %d operands", HLS_MAX_OPERANDS);
		return;
	}
	if (!e || (!e->emit && !is_view(h, op))) {
		hls_cannot_map(h, op, "no %s C form for this op", l->in_kernel ? "kernel" : "host");
		return;
	}
	if (is_view(h, op)) {
		l->alias = true;
		int64_t lo, hi;
		if (h->m->values[op->operands[0]].type.elem == IR_ELEM_INT) {
			hls_value_range(h, op->operands[0], &lo, &hi);
			h->v[op->results[0]].ranged = true;
			h->v[op->results[0]].lo = lo;
			h->v[op->results[0]].hi = hi;
		}
		h->v[op->results[0]].alias = h->v[op->operands[0]].alias;
		return;
	}
	for (int k = 1; k < op->nresults; k++)
		if (h->m->values[op->results[k]].nuses) {
			hls_cannot_map(h, op, "its result %d is used (only the first result is supported)", k);
			return;
		}
	struct hls_fn f;
	struct sb body = {0};
	setup_fn(h, l, &f, &body);
	bind_tables(&f);
	if (e->emit(&f) < 0) {
		hls_cannot_map(h, op, "unsupported: %s", f.why ? f.why : "this form");
		sb_free(&body);
		return;
	}
	struct sb *out = l->in_kernel ? &h->kernel : &h->io;
	emit_signature(&f, out);
	sb_puts(out, body.s ? body.s : "");
	sb_puts(out, "}\n\n");
	sb_free(&body);
}

int hls_emit_functions(struct hls *h)
{
	struct ir_module *m = h->m;
	h->layers = arena_alloc(&h->a, (size_t)(m->nops ? m->nops : 1) * sizeof *h->layers);
	h->layer_of_op = arena_alloc(&h->a, (size_t)(m->nops ? m->nops : 1) * sizeof(int));
	int nk = 0, nio = 0;
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		h->layer_of_op[o] = -1;
		if (op->dead || op->nresults == 0 || h->v[op->results[0]].known)
			continue;
		int r0 = op->results[0];
		struct hls_layer *l = &h->layers[h->nlayers];
		memset(l, 0, sizeof *l);
		l->op = o;
		l->trace = -1;
		l->in_kernel = h->v[r0].part == HLS_KERNEL && op->code != IR_OP_Quantize;
		l->fn = l->in_kernel ? hls_str(h, "%s_l%d", h->p, nk++) : hls_str(h, "%s_io%d", h->p, nio++);
		h->layer_of_op[o] = h->nlayers++;
	}
	for (int i = 0; i < h->nlayers; i++) {
		if (!h->reason[h->layers[i].op])
			emit_one(h, &h->layers[i]);
		struct hls_layer *l = &h->layers[i];
		if (l->in_kernel && !l->alias)
			l->trace = h->ntraced++;
	}
	return h->nerrors ? -1 : 0;
}

/* ---- the top function ---------------------------------------------------------------- */

static int64_t numel_of(struct hls *h, int v)
{
	return ir_type_numel(&h->m->values[v].type);
}

/* Names the array of every kernel value (see the file comment). */
static void name_kernel_arrays(struct hls *h)
{
	struct ir_module *m = h->m;
	for (int i = 0; i < h->nkin; i++)
		h->v[h->kin[i]].array = hls_str(h, "in%d", i);
	for (int i = 0; i < h->nlayers; i++) {
		struct hls_layer *l = &h->layers[i];
		if (!l->in_kernel || l->alias)
			continue;
		int r = m->ops[l->op].results[0];
		int port = h->v[r].out_port;
		bool other_use = false;
		for (int u = 0; u < m->values[r].nuses; u++) {
			const struct ir_op *user = &m->ops[m->uses[m->values[r].first_use + u].op];
			if (user->code != IR_OP_Dequantize)
				other_use = true;
		}
		h->v[r].direct_out = port >= 0 && !other_use;
		h->v[r].array = h->v[r].direct_out ? hls_str(h, "out%d", port) : hls_str(h, "b%d", r);
	}
	for (int v = 0; v < m->nvalues; v++)
		if (h->v[v].part == HLS_KERNEL && h->v[v].alias != v)
			h->v[v].array = h->v[h->v[v].alias].array;
}

static void emit_partition(struct hls *h, struct sb *b, int v, const char *name)
{
	int f = h->v[h->v[v].alias].partition;
	int64_t n = numel_of(h, v);
	if (f <= 1 || n <= 1)
		return;
	if (f >= n)
		sb_printf(b, "\tQONNX_HLS_PRAGMA(ARRAY_PARTITION variable=%s complete dim=1)\n", name);
	else
		sb_printf(b, "\tQONNX_HLS_PRAGMA(ARRAY_PARTITION variable=%s cyclic factor=%d dim=1)\n",
			  name, f);
}

static void emit_top_signature(struct hls *h, struct sb *b)
{
	sb_printf(b, "void %s(", h->p);
	for (int i = 0; i < h->nkin; i++)
		sb_printf(b, "%sconst %s_in%d_t in%d[%lld]", i ? ", " : "", h->p, i, i,
			  (long long)numel_of(h, h->kin[i]));
	for (int i = 0; i < h->nkout; i++)
		sb_printf(b, ", %s_out%d_t out%d[%lld]", h->p, i, i, (long long)numel_of(h, h->kout[i]));
	sb_puts(b, ")");
}

/* The call of layer l with its operands' arrays. */
static void emit_call(struct hls *h, const struct hls_layer *l, struct sb *b, int depth)
{
	const struct ir_op *op = &h->m->ops[l->op];
	sb_indent(b, depth);
	sb_printf(b, "%s(", l->fn);
	bool first = true;
	for (int k = 0; k < op->noperands; k++) {
		int v = op->operands[k];
		if (v == IR_NONE || h->v[v].known)
			continue;
		sb_printf(b, "%s%s", first ? "" : ", ", h->v[v].array);
		first = false;
	}
	sb_printf(b, "%s%s);\n", first ? "" : ", ", h->v[op->results[0]].array);
}

static void emit_top(struct hls *h, struct sb *b)
{
	struct ir_module *m = h->m;
	char ts[160];
	sb_puts(b, "/* The kernel: the integer part of the model, inputs to outputs. */\n");
	emit_top_signature(h, b);
	sb_puts(b, "\n{\n");
	for (int i = 0; i < h->nkin; i++)
		emit_partition(h, b, h->kin[i], hls_str(h, "in%d", i));
	for (int i = 0; i < h->nlayers; i++) {
		const struct hls_layer *l = &h->layers[i];
		int r = l->in_kernel && !l->alias ? m->ops[l->op].results[0] : -1;
		if (r < 0 || h->v[r].direct_out)
			continue;
		sb_printf(b, "\tstatic %s %s[%lld]; /* %s */\n", hls_ctype(h, &m->values[r].type),
			  h->v[r].array, (long long)numel_of(h, r),
			  ir_type_str(&m->values[r].type, ts, sizeof ts));
		emit_partition(h, b, r, h->v[r].array);
	}
	sb_puts(b, "\n");
	for (int i = 0; i < h->nlayers; i++) {
		const struct hls_layer *l = &h->layers[i];
		if (!l->in_kernel || l->alias)
			continue;
		int r = m->ops[l->op].results[0];
		emit_call(h, l, b, 1);
		sb_printf(b, "\t%s_TRACE(%d, %s, %lld);\n", h->P, l->trace, h->v[r].array,
			  (long long)numel_of(h, r));
	}
	for (int i = 0; i < h->nkout; i++) {
		int v = h->kout[i];
		if (h->v[v].direct_out)
			continue;
		sb_printf(b, "\tfor (int i = 0; i < %lld; i++) {\n", (long long)numel_of(h, v));
		sb_puts(b, "\t\tQONNX_HLS_PRAGMA(PIPELINE II=1)\n");
		sb_printf(b, "\t\tout%d[i] = %s[i];\n\t}\n", i, h->v[v].array);
	}
	sb_puts(b, "}\n");
}

/* ---- the files ------------------------------------------------------------------------ */

static void emit_prelude(struct hls *h, struct sb *b)
{
	sb_printf(b, "/* %s.c: the integer kernel of ", h->p);
	sb_comment_text(b, h->o->source_name);
	sb_puts(b, ", generated by qonnxc.\n"
		   " *\n"
		   " * Synthesizable C99: integer arithmetic only, every array of constant size,\n"
		   " * loops with constant trip counts, no dynamic memory, recursion, function\n"
		   " * pointers or library calls. Each layer is one function over flat row-major\n"
		   " * arrays; its accumulators have widths proven to hold every partial sum, and\n"
		   " * requantization is exactly the model's (MultiThreshold: the number of\n"
		   " * thresholds reached). Pragmas for Vitis HLS through QONNX_HLS_PRAGMA.\n"
		   " */\n");
	sb_printf(b, "#include \"%s.h\"\n#include \"%s_weights.h\"\n\n", h->p, h->p);
	sb_puts(b, "/* QONNX_HLS_PRAGMA(x): the pragma \"HLS x\" for Vitis HLS, nothing elsewhere. */\n"
		   "#if defined(__VITIS_HLS__) || defined(__SYNTHESIS__)\n"
		   "#define QONNX_HLS_PRAGMA_STR(x) #x\n"
		   "#define QONNX_HLS_PRAGMA(x) _Pragma(QONNX_HLS_PRAGMA_STR(HLS x))\n"
		   "#else\n"
		   "#define QONNX_HLS_PRAGMA(x)\n"
		   "#endif\n\n");
	sb_printf(b, "/* %s_TRACE(layer, a, n): hands a layer's result to the testbench. */\n"
		     "#if defined(QONNX_HLS_TRACE) && !defined(__SYNTHESIS__)\n"
		     "void %s_trace(int layer, long long index, long long value);\n"
		     "#define %s_TRACE(layer, a, n) \\\n"
		     "\tdo { \\\n"
		     "\t\tfor (long long t_ = 0; t_ < (n); t_++) \\\n"
		     "\t\t\t%s_trace((layer), t_, (long long)(a)[t_]); \\\n"
		     "\t} while (0)\n"
		     "#else\n"
		     "#define %s_TRACE(layer, a, n) ((void)0)\n"
		     "#endif\n\n",
		  h->P, h->p, h->P, h->p, h->P);
	if (h->need_wrap)
		sb_printf(b, "/* v wrapped to a signed / unsigned integer of b bits, as the model's integer\n"
			     " * arithmetic wraps to its types' widths. */\n"
			     "#define %s_WRAPS(v, b) \\\n"
			     "\t((long long)((((unsigned long long)(long long)(v)) & ((1ULL << (b)) - 1)) ^ \\\n"
			     "\t\t     (1ULL << ((b) - 1))) - (long long)(1ULL << ((b) - 1)))\n"
			     "#define %s_WRAPU(v, b) (((unsigned long long)(long long)(v)) & ((1ULL << (b)) - 1))\n\n",
			  h->P, h->P);
}

static void emit_typedefs(struct hls *h, struct sb *b, bool bitint)
{
	char ts[32];
	for (int s = 1; s >= 0; s--)
		for (int bits = 1; bits <= 64; bits++)
			if (h->int_types[s][bits]) {
				if (bitint)
					sb_printf(b, "typedef %s_BitInt(%d) %s_%c%d_t;\n", s ? "" : "unsigned ",
						  bits, h->p, s ? 'i' : 'u', bits);
				else
					sb_printf(b, "typedef %s %s_%c%d_t;\n", hls_stdint_name(bits, s), h->p,
						  s ? 'i' : 'u', bits);
			}
	for (int dir = 0; dir < 2; dir++) {
		int n = dir ? h->nkout : h->nkin;
		for (int i = 0; i < n; i++) {
			const struct ir_type *t = &h->m->values[dir ? h->kout[i] : h->kin[i]].type;
			const char *ct = bitint ? hls_str(h, "%s_BitInt(%d)", t->is_signed ? "" : "unsigned ",
							  t->bits)
						: hls_stdint_name(t->bits, t->is_signed);
			sb_printf(b, "typedef %s %s_%s%d_t; /* %s */\n", ct, h->p, dir ? "out" : "in", i,
				  hls_type_short(t, ts, sizeof ts));
		}
	}
}

static void emit_header(struct hls *h, struct sb *b)
{
	struct sb guard = {0};
	sb_puts(&guard, h->P);
	sb_printf(b, "/* %s.h: the interface of the HLS kernel generated by qonnxc from ", h->p);
	sb_comment_text(b, h->o->source_name);
	sb_puts(b, ".\n"
		   " *\n"
		   " * Integer types are named after their exact width (i: signed, u: unsigned);\n"
		   " * they are the narrowest <stdint.h> types holding them, or with\n"
		   " * QONNX_HLS_BITINT defined, C23 _BitInt of exactly that width.\n"
		   " */\n");
	sb_printf(b, "#ifndef %s_H\n#define %s_H\n\n", guard.s, guard.s);
	if (h->o->bitint)
		sb_puts(b, "/* This project's kernel uses _BitInt unless QONNX_HLS_STDINT is defined. */\n"
			   "#if !defined(QONNX_HLS_BITINT) && !defined(QONNX_HLS_STDINT)\n"
			   "#define QONNX_HLS_BITINT 1\n#endif\n\n");
	sb_puts(b, "#ifdef QONNX_HLS_BITINT\n");
	emit_typedefs(h, b, true);
	sb_puts(b, "#else\n#include <stdint.h>\n");
	emit_typedefs(h, b, false);
	sb_puts(b, "#endif\n\n");
	for (int dir = 0; dir < 2; dir++) {
		int n = dir ? h->nkout : h->nkin;
		for (int i = 0; i < n; i++) {
			sb_printf(b, "#define %s_%s%d_SIZE %lld\n", guard.s, dir ? "OUT" : "IN", i,
				  (long long)numel_of(h, dir ? h->kout[i] : h->kin[i]));
		}
	}
	sb_printf(b, "#define %s_INPUTS %d\n#define %s_OUTPUTS %d\n\n", guard.s, h->nkin, guard.s,
		  h->nkout);
	sb_puts(b, "/* Runs the kernel once on the quantized inputs. */\n");
	emit_top_signature(h, b);
	sb_puts(b, ";\n\n#endif\n");
	sb_free(&guard);
}

void hls_write_kernel(struct hls *h)
{
	struct sb functions = h->kernel;
	memset(&h->kernel, 0, sizeof h->kernel);
	name_kernel_arrays(h);
	struct sb top = {0};
	emit_top(h, &top);
	emit_prelude(h, &h->kernel);
	sb_puts(&h->kernel, functions.s ? functions.s : "");
	sb_puts(&h->kernel, top.s);
	sb_free(&top);
	sb_free(&functions);
	struct sb guard = {0};
	sb_puts(&guard, h->P);
	sb_printf(&h->weights, "/* %s_weights.h: the constant tables of the kernel (weights in dot-product\n"
			       " * order, biases, thresholds, index maps), exact values. */\n",
		  h->p);
	sb_printf(&h->weights, "#ifndef %s_WEIGHTS_H\n#define %s_WEIGHTS_H\n\n#include \"%s.h\"\n\n",
		  guard.s, guard.s, h->p);
	hls_emit_tables(h, &h->weights, false);
	sb_puts(&h->weights, "#endif\n");
	sb_free(&guard);
}

void hls_write_header(struct hls *h)
{
	emit_header(h, &h->header);
}
