/* cost.c: the inference cost of a model, as qonnx's inference-cost analysis
 * computes it (see cost.h), and its table and JSON forms.
 *
 * Per remaining node (one not folded into a constant):
 *   - MatMul, Gemm: MACs = A's last dimension (after transA) times the
 *     output's elements; weight elements are those of the constant operand
 *     (none when both are computed).
 *   - Conv: MACs = batch * (out channels / group) * in channels * kernel
 *     elements * output pixels; weight elements = W's.
 *   - ConvTranspose (2-D): batch * kernel * in ch * out ch * input pixels,
 *     plus, when a stride is below the kernel, one addition for each further
 *     patch covering an output pixel.
 *   - Upsample: 0 MACs (nearest) or 2 per scaled dimension and output pixel
 *     (linear); output elements only.
 * Each gives op_mac_<input>_<weight>, mem_w_<weight>, mem_o_<output> keyed
 * by qonnx datatype names (cost_dtype.h). Unless --dense, MACs and weight
 * elements are multiplied by the constant weight's share of nonzero
 * elements. The ops qonnx counts as free are listed in free_types; every
 * other op type is reported as unsupported. Totals: total_macs, total_bops
 * (MACs times both operand widths), total_mem_{w,o}_{bits,elems}.
 */
#include "cost.h"
#include "cost_dtype.h"
#include "driver.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- cost entries ------------------------------------------------------------ */

enum entry_kind { ENTRY_MAC, ENTRY_MEM_W, ENTRY_MEM_O };

struct entry {
	enum entry_kind kind;
	struct cost_dtype a, b; /* MAC: input and weight types; MEM: a */
	double value;
};

struct dict {
	struct entry e[64];
	int n;
};

static bool same_dtype(struct cost_dtype x, struct cost_dtype y)
{
	return x.kind == y.kind && x.bits == y.bits;
}

static void dict_add(struct dict *d, enum entry_kind kind, struct cost_dtype a,
		     struct cost_dtype b, double value)
{
	for (int i = 0; i < d->n; i++)
		if (d->e[i].kind == kind && same_dtype(d->e[i].a, a) &&
		    (kind != ENTRY_MAC || same_dtype(d->e[i].b, b))) {
			d->e[i].value += value;
			return;
		}
	if (d->n < (int)(sizeof d->e / sizeof d->e[0]))
		d->e[d->n++] = (struct entry){kind, a, b, value};
}

static void dict_merge(struct dict *into, const struct dict *from)
{
	for (int i = 0; i < from->n; i++)
		dict_add(into, from->e[i].kind, from->e[i].a, from->e[i].b, from->e[i].value);
}

static char *entry_key(const struct entry *e, char *buf, size_t len)
{
	char a[32], b[32];
	cost_dtype_name(e->a, a, sizeof a);
	cost_dtype_name(e->b, b, sizeof b);
	if (e->kind == ENTRY_MAC)
		snprintf(buf, len, "op_mac_%s_%s", a, b);
	else
		snprintf(buf, len, "mem_%c_%s", e->kind == ENTRY_MEM_W ? 'w' : 'o', a);
	return buf;
}

struct totals {
	double macs, bops, w_bits, w_elems, o_bits, o_elems;
};

static struct totals totals_of(const struct dict *d)
{
	struct totals t = {0};
	for (int i = 0; i < d->n; i++) {
		const struct entry *e = &d->e[i];
		if (e->kind == ENTRY_MAC) {
			t.bops += (double)(e->a.bits * e->b.bits) * e->value;
			t.macs += e->value;
		} else if (e->kind == ENTRY_MEM_W) {
			t.w_bits += e->a.bits * e->value;
			t.w_elems += e->value;
		} else {
			t.o_bits += e->a.bits * e->value;
			t.o_elems += e->value;
		}
	}
	return t;
}

/* ---- per node ----------------------------------------------------------------- */

struct node_cost {
	const char *name;       /* qonnx's name: OpType_K */
	const char *model_name; /* the node's own name */
	const char *type;
	struct dict d;
};

struct report {
	struct node_cost *nodes;
	int nnodes;
	const char **unsupported; /* distinct op types, sorted */
	int nunsupported;
	bool discount;
};

struct ctx {
	struct ir_module *m;
	struct cost_facts *f;
	bool discount;
};

static double numel_from(const struct ir_type *t, int from, int to)
{
	double n = 1;
	for (int i = from; i < to; i++)
		n *= (double)t->dims[i];
	return n;
}

static double numel(const struct ir_type *t)
{
	return numel_from(t, 0, t->rank);
}

/* Share of nonzero elements of weight w; 1 when w is not a constant. */
static double density(struct ctx *c, int w)
{
	if (!c->discount || w == IR_NONE || !c->f->folded[w])
		return 1.0;
	const void *data = ir_known_data(c->m, w);
	const struct ir_type *t = &c->m->values[w].type;
	int64_t n = ir_type_numel(t), nonzero = 0;
	if (!data || n == 0)
		return 1.0;
	for (int64_t i = 0; i < n; i++) {
		if (t->elem == IR_ELEM_F32)
			nonzero += ((const float *)data)[i] != 0;
		else if (t->elem == IR_ELEM_F64)
			nonzero += ((const double *)data)[i] != 0;
		else
			nonzero += ((const int64_t *)data)[i] != 0;
	}
	return (double)nonzero / (double)n;
}

static struct cost_dtype dt(struct ctx *c, int v)
{
	struct cost_dtype f32 = {COST_FLOAT32, 32};
	return v == IR_NONE ? f32 : c->f->dtype[v];
}

static void add_three(struct ctx *c, struct dict *d, const struct ir_op *op, double macs,
		      double w_mem)
{
	struct cost_dtype in = dt(c, op->operands[0]), w = dt(c, op->operands[1]);
	struct cost_dtype o = dt(c, op->results[0]);
	dict_add(d, ENTRY_MAC, in, w, macs);
	dict_add(d, ENTRY_MEM_W, w, w, w_mem);
	dict_add(d, ENTRY_MEM_O, o, o, numel(&c->m->values[op->results[0]].type));
}

/* MatMul and Gemm. */
static int cost_matmul(struct ctx *c, const struct ir_op *op, struct dict *d)
{
	int a = op->operands[0], b = op->operands[1];
	const struct ir_type *at = &c->m->values[a].type, *bt = &c->m->values[b].type;
	const struct ir_type *ot = &c->m->values[op->results[0]].type;
	if (at->rank < 1)
		return -1;
	double k = (double)at->dims[at->rank - 1];
	if (op->code == IR_OP_Gemm && ir_attr_int(op, "transA", 0) == 1 && at->rank == 2)
		k = (double)at->dims[0];
	double macs = k * numel(ot), w_mem = 0, dens = 1.0;
	if (c->f->folded[a] && !c->f->folded[b])
		w_mem = numel(at), dens = density(c, a);
	else if (!c->f->folded[a] && c->f->folded[b])
		w_mem = numel(bt), dens = density(c, b);
	if (dens != 1.0)
		macs *= dens, w_mem *= dens;
	add_three(c, d, op, macs, w_mem);
	return 0;
}

/* Channel and spatial positions of a Conv's tensors in op's layout. */
static int64_t channels(const struct ir_op *op, const struct ir_type *t)
{
	return op->layout == IR_LAYOUT_NHWC ? t->dims[t->rank - 1] : t->dims[1];
}

static double pixels(const struct ir_op *op, const struct ir_type *t)
{
	return op->layout == IR_LAYOUT_NHWC ? numel_from(t, 1, t->rank - 1) : numel_from(t, 2, t->rank);
}

static int cost_conv(struct ctx *c, const struct ir_op *op, struct dict *d)
{
	const struct ir_type *it = &c->m->values[op->operands[0]].type;
	const struct ir_type *wt = &c->m->values[op->operands[1]].type;
	const struct ir_type *ot = &c->m->values[op->results[0]].type;
	if (it->rank < 3 || wt->rank != it->rank)
		return -1;
	int64_t group = ir_attr_int(op, "group", 1);
	/* W is [M, C/group, k...], or [M, k..., C/group] channels-last */
	double k = op->layout == IR_LAYOUT_NHWC ? numel_from(wt, 1, wt->rank - 1)
						 : numel_from(wt, 2, wt->rank);
	int64_t ofm = channels(op, ot), ifm = channels(op, it);
	if (group < 1)
		return -1;
	double macs = (double)it->dims[0] * (double)(ofm / group) * (double)ifm * k * pixels(op, ot);
	double w_mem = numel(wt), dens = density(c, op->operands[1]);
	if (dens != 1.0)
		macs *= dens, w_mem *= dens;
	add_three(c, d, op, macs, w_mem);
	return 0;
}

/* How many patches of size k at stride s cover each of the n positions
 * (qonnx: the last patch is moved back inside when the stride overshoots). */
static void patches_1d(int64_t n, int64_t k, int64_t s, int64_t *count)
{
	memset(count, 0, (size_t)n * sizeof *count);
	int64_t np = (int64_t)ceil((double)(n - k) / (double)s + 1);
	for (int64_t i = 0; i < np; i++) {
		int64_t first = 1 + s * i, last = k + s * i;
		if (last > n && s > 1)
			last = n, first = n - k + 1;
		for (int64_t p = first - 1; p < last && p < n; p++)
			if (p >= 0)
				count[p]++;
	}
}

static int cost_convtranspose(struct ctx *c, const struct ir_op *op, struct dict *d)
{
	const struct ir_type *it = &c->m->values[op->operands[0]].type;
	const struct ir_type *wt = &c->m->values[op->operands[1]].type;
	const struct ir_type *ot = &c->m->values[op->results[0]].type;
	if (it->rank != 4 || wt->rank != 4 || op->layout != IR_LAYOUT_NONE)
		return -1;
	int ns = 0;
	const int64_t *strides = ir_attr_ints(op, "strides", &ns);
	int64_t kh = wt->dims[2], kw = wt->dims[3];
	int64_t sh = ns == 2 ? strides[0] : 1, sw = ns == 2 ? strides[1] : 1;
	double macs = (double)it->dims[0] * (double)(kh * kw) * (double)it->dims[1] *
		      (double)ot->dims[1] * numel_from(it, 2, 4);
	if (sh < kh || sw < kw) {
		int64_t oh = ot->dims[2], ow = ot->dims[3];
		int64_t *ch = malloc((size_t)(oh + ow + 1) * sizeof *ch), *cw = ch + oh;
		if (!ch)
			abort();
		patches_1d(oh, kh, sh, ch);
		patches_1d(ow, kw, sw, cw);
		double extra = 0;
		for (int64_t y = 0; y < oh; y++)
			for (int64_t x = 0; x < ow; x++)
				extra += (double)(ch[y] * cw[x] - 1);
		free(ch);
		macs += extra;
	}
	double w_mem = numel(wt), dens = density(c, op->operands[1]);
	if (dens != 1.0)
		macs *= dens, w_mem *= dens;
	add_three(c, d, op, macs, w_mem);
	return 0;
}

/* Upsample (imported as Resize (X, roi, scales, sizes)). */
static int cost_upsample(struct ctx *c, const struct ir_op *op, struct dict *d)
{
	const struct ir_type *it = &c->m->values[op->operands[0]].type;
	const struct ir_type *ot = &c->m->values[op->results[0]].type;
	const char *mode = ir_attr_string(op, "mode", "nearest");
	double macs = 0;
	if (it->rank < 3)
		return -1;
	if (!strcmp(mode, "linear")) {
		int sv = op->noperands > 2 ? op->operands[2] : IR_NONE;
		const float *scales = sv != IR_NONE && c->f->folded[sv] ? ir_known_data(c->m, sv) : NULL;
		if (!scales || c->m->values[sv].type.elem != IR_ELEM_F32)
			return -1;
		int scaled = 0;
		for (int64_t i = 0; i < ir_type_numel(&c->m->values[sv].type); i++)
			scaled += scales[i] > 1;
		macs = 2.0 * scaled * numel_from(ot, 2, ot->rank) * (double)it->dims[1] *
		       (double)it->dims[0];
	} else if (strcmp(mode, "nearest")) {
		return -1;
	}
	struct cost_dtype in = dt(c, op->operands[0]), o = dt(c, op->results[0]);
	dict_add(d, ENTRY_MAC, in, in, macs);
	dict_add(d, ENTRY_MEM_O, o, o, numel(ot));
	return 0;
}

static const struct {
	const char *type;
	int (*cost)(struct ctx *, const struct ir_op *, struct dict *);
} costed[] = {
	{"Conv", cost_conv},     {"MatMul", cost_matmul},   {"Gemm", cost_matmul},
	{"Upsample", cost_upsample}, {"ConvTranspose", cost_convtranspose},
};

/* Op types qonnx counts as costing nothing. */
static const char *const free_types[] = {
	"MaxPool", "AveragePool", "Quant", "QuantizeLinear", "DequantizeLinear", "Reshape",
	"Concat", "Transpose", "Div", "Mul", "Add", "Sub", "BatchNormalization", "Relu", "Elu",
	"Selu", "Sigmoid", "Identity", "Flatten", "Pad", "Clip", "Trunc",
};

static bool is_free(const char *type)
{
	for (size_t i = 0; i < sizeof free_types / sizeof free_types[0]; i++)
		if (!strcmp(type, free_types[i]))
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_node(const void *a, const void *b)
{
	return strcmp((*(const struct node_cost *const *)a)->name,
		      (*(const struct node_cost *const *)b)->name);
}

static void add_unsupported(struct report *r, const char *type)
{
	for (int i = 0; i < r->nunsupported; i++)
		if (!strcmp(r->unsupported[i], type))
			return;
	r->unsupported[r->nunsupported++] = type;
}

/* qonnx's unique node name: the op type and a count per op type. */
static const char *qonnx_name(struct ir_module *m, const char *type, const char **seen, int nseen)
{
	int k = 0;
	for (int i = 0; i < nseen; i++)
		k += !strcmp(seen[i], type);
	char buf[160];
	snprintf(buf, sizeof buf, "%s_%d", type, k);
	return arena_strdup(&m->arena, buf);
}

static int analyse(struct ctx *c, struct report *r)
{
	struct ir_module *m = c->m;
	const char **seen = calloc((size_t)m->nops + 1, sizeof *seen);
	r->nodes = calloc((size_t)m->nops + 1, sizeof *r->nodes);
	r->unsupported = calloc((size_t)m->nops + 1, sizeof *r->unsupported);
	if (!seen || !r->nodes || !r->unsupported)
		abort();
	int nseen = 0;
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		if (op->dead || c->f->folded[op->results[0]])
			continue;
		const char *type = cost_op_type(op);
		const char *name = qonnx_name(m, type, seen, nseen);
		seen[nseen++] = type;
		size_t k = 0;
		while (k < sizeof costed / sizeof costed[0] && strcmp(costed[k].type, type))
			k++;
		if (k == sizeof costed / sizeof costed[0]) {
			if (!is_free(type))
				add_unsupported(r, type);
			continue;
		}
		struct node_cost *n = &r->nodes[r->nnodes];
		*n = (struct node_cost){name, op->name, type, {.n = 0}};
		if (costed[k].cost(c, op, &n->d) < 0) {
			add_unsupported(r, type);
			continue;
		}
		r->nnodes++;
	}
	free(seen);
	qsort(r->unsupported, (size_t)r->nunsupported, sizeof *r->unsupported, cmp_str);
	return m->error[0] ? -1 : 0;
}

/* ---- output --------------------------------------------------------------------- */

/* x as Python's repr(float) writes it (the form json.dump uses): the
 * shortest digits that read back as x, positional for exponents -4..15. */
static void py_float(double x, char *buf, size_t len)
{
	if (isnan(x) || isinf(x)) {
		snprintf(buf, len, "%s", isnan(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity");
		return;
	}
	if (x == 0) {
		snprintf(buf, len, "%s", signbit(x) ? "-0.0" : "0.0");
		return;
	}
	char e_form[40];
	for (int prec = 0; prec < 17; prec++) {
		snprintf(e_form, sizeof e_form, "%.*e", prec, x);
		if (strtod(e_form, NULL) == x)
			break;
	}
	/* e_form: [-]D[.DDD]e(+|-)XX */
	char digits[24];
	int nd = 0, exp10;
	const char *p = e_form;
	bool neg = *p == '-';
	p += neg;
	for (; *p && *p != 'e'; p++)
		if (*p != '.')
			digits[nd++] = *p;
	digits[nd] = '\0';
	exp10 = atoi(p + 1);
	char *w = buf, *end = buf + len - 1;
#define PUT(ch) do { if (w < end) *w++ = (ch); } while (0)
	if (neg)
		PUT('-');
	if (exp10 >= 16 || exp10 < -4) {
		PUT(digits[0]);
		if (nd > 1) {
			PUT('.');
			for (int i = 1; i < nd; i++)
				PUT(digits[i]);
		}
		char ex[16];
		snprintf(ex, sizeof ex, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10) % 1000);
		for (char *q = ex; *q; q++)
			PUT(*q);
	} else if (exp10 < 0) {
		PUT('0');
		PUT('.');
		for (int i = 0; i < -exp10 - 1; i++)
			PUT('0');
		for (int i = 0; i < nd; i++)
			PUT(digits[i]);
	} else {
		for (int i = 0; i <= exp10; i++)
			PUT(i < nd ? digits[i] : '0');
		PUT('.');
		if (nd > exp10 + 1)
			for (int i = exp10 + 1; i < nd; i++)
				PUT(digits[i]);
		else
			PUT('0');
	}
#undef PUT
	*w = '\0';
}

/* One "key": value line of a JSON object; sorted before printing. */
struct json_item {
	char key[96];
	char value[256];
};

static int cmp_item(const void *a, const void *b)
{
	return strcmp(((const struct json_item *)a)->key, ((const struct json_item *)b)->key);
}

static int dict_items(const struct dict *d, struct json_item *items)
{
	int n = 0;
	for (int i = 0; i < d->n; i++, n++) {
		entry_key(&d->e[i], items[n].key, sizeof items[n].key);
		py_float(d->e[i].value, items[n].value, sizeof items[n].value);
	}
	struct totals t = totals_of(d);
	const struct { const char *key; double v; } tot[] = {
		{"total_bops", t.bops},         {"total_macs", t.macs},
		{"total_mem_w_bits", t.w_bits}, {"total_mem_w_elems", t.w_elems},
		{"total_mem_o_bits", t.o_bits}, {"total_mem_o_elems", t.o_elems},
	};
	for (size_t i = 0; i < sizeof tot / sizeof tot[0]; i++, n++) {
		snprintf(items[n].key, sizeof items[n].key, "%s", tot[i].key);
		py_float(tot[i].v, items[n].value, sizeof items[n].value);
	}
	return n;
}

static void print_object(FILE *out, struct json_item *items, int n, int indent)
{
	qsort(items, (size_t)n, sizeof *items, cmp_item);
	if (n == 0) {
		fputs("{}", out);
		return;
	}
	fputs("{\n", out);
	for (int i = 0; i < n; i++)
		fprintf(out, "%*s\"%s\": %s%s\n", indent + 2, "", items[i].key, items[i].value,
			i + 1 < n ? "," : "");
	fprintf(out, "%*s}", indent, "");
}

/* The JSON string of Python's str() of the set of unsupported op types. */
static void unsupported_str(const struct report *r, char *buf, size_t len)
{
	size_t w = 0;
	if (r->nunsupported == 0) {
		snprintf(buf, len, "\"set()\"");
		return;
	}
	w += (size_t)snprintf(buf + w, len - w, "\"{");
	for (int i = 0; i < r->nunsupported && w < len; i++) {
		char esc[128];
		size_t e = 0;
		for (const char *p = r->unsupported[i]; *p && e + 3 < sizeof esc; p++) {
			if (*p == '"' || *p == '\\')
				esc[e++] = '\\';
			esc[e++] = (char)((unsigned char)*p < 0x20 ? '?' : *p);
		}
		esc[e] = '\0';
		w += (size_t)snprintf(buf + w, len - w, "%s'%s'", i ? ", " : "", esc);
	}
	if (w < len)
		snprintf(buf + w, len - w, "}\"");
}

static void print_json(FILE *out, const struct report *r, bool per_layer)
{
	struct json_item items[80];
	struct dict total = {.n = 0};
	for (int i = 0; i < r->nnodes; i++)
		dict_merge(&total, &r->nodes[i].d);
	int n = dict_items(&total, items);
	snprintf(items[n].key, sizeof items[n].key, "discount_sparsity");
	snprintf(items[n++].value, sizeof items[0].value, "%s", r->discount ? "true" : "false");
	snprintf(items[n].key, sizeof items[n].key, "unsupported");
	unsupported_str(r, items[n++].value, sizeof items[0].value);
	fputs("{\n", out);
	if (per_layer) {
		/* node_cost < optype_cost < total_cost */
		fputs("  \"node_cost\": {", out);
		/* node names are OpType_K: sort them as strings */
		const struct node_cost **sorted = calloc((size_t)r->nnodes + 1, sizeof *sorted);
		if (!sorted)
			abort();
		for (int i = 0; i < r->nnodes; i++)
			sorted[i] = &r->nodes[i];
		qsort(sorted, (size_t)r->nnodes, sizeof *sorted, cmp_node);
		for (int i = 0; i < r->nnodes; i++) {
			struct json_item ni[80];
			fprintf(out, "%s\n    \"%s\": ", i ? "," : "", sorted[i]->name);
			print_object(out, ni, dict_items(&sorted[i]->d, ni), 4);
		}
		free(sorted);
		fputs(r->nnodes ? "\n  },\n" : "},\n", out);
		fputs("  \"optype_cost\": {", out);
		const char *types[8];
		int ntypes = 0;
		for (int i = 0; i < r->nnodes; i++) {
			int t = 0;
			while (t < ntypes && strcmp(types[t], r->nodes[i].type))
				t++;
			if (t == ntypes && ntypes < 8)
				types[ntypes++] = r->nodes[i].type;
		}
		qsort(types, (size_t)ntypes, sizeof *types, cmp_str);
		for (int t = 0; t < ntypes; t++) {
			struct dict d = {.n = 0};
			struct json_item ti[80];
			for (int i = 0; i < r->nnodes; i++)
				if (!strcmp(r->nodes[i].type, types[t]))
					dict_merge(&d, &r->nodes[i].d);
			fprintf(out, "%s\n    \"%s\": ", t ? "," : "", types[t]);
			print_object(out, ti, dict_items(&d, ti), 4);
		}
		fputs(ntypes ? "\n  },\n" : "},\n", out);
	}
	fputs("  \"total_cost\": ", out);
	print_object(out, items, n, 2);
	fputs("\n}\n", out);
}

/* A count for people: an integer as is, else 6 significant digits. */
static void num_str(double v, char *buf, size_t len)
{
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.6g", v);
}

static void print_table(FILE *out, const char *model, const struct report *r, bool per_layer)
{
	struct dict total = {.n = 0};
	char a[32], b[32], v[40], label[96];
	for (int i = 0; i < r->nnodes; i++)
		dict_merge(&total, &r->nodes[i].d);
	fprintf(out, "%s: inference cost (%s)\n", model,
		r->discount ? "zero weights discounted" : "dense");
	if (per_layer && r->nnodes) {
		fprintf(out, "\n  %-28s %-14s %14s  %-28s %12s %10s\n", "node", "op", "MACs",
			"input x weight", "weights", "outputs");
		for (int i = 0; i < r->nnodes; i++) {
			const struct node_cost *n = &r->nodes[i];
			struct totals t = totals_of(&n->d);
			char macs[40], w[40], o[40], types[72] = "";
			for (int k = 0; k < n->d.n; k++)
				if (n->d.e[k].kind == ENTRY_MAC)
					snprintf(types, sizeof types, "%s x %s",
						 cost_dtype_name(n->d.e[k].a, a, sizeof a),
						 cost_dtype_name(n->d.e[k].b, b, sizeof b));
			num_str(t.macs, macs, sizeof macs);
			num_str(t.w_elems, w, sizeof w);
			num_str(t.o_elems, o, sizeof o);
			snprintf(label, sizeof label, "%s (%s)", n->name, n->model_name);
			fprintf(out, "  %-28s %-14s %14s  %-28s %12s %10s\n", label, n->type, macs, types,
				w, o);
		}
	}
	fputc('\n', out);
	for (int k = 0; k < 3 * total.n; k++) {
		const struct entry *e = &total.e[k % total.n];
		if ((int)e->kind != k / total.n)
			continue;
		num_str(e->value, v, sizeof v);
		if (e->kind == ENTRY_MAC)
			snprintf(label, sizeof label, "MACs %s x %s", cost_dtype_name(e->a, a, sizeof a),
				 cost_dtype_name(e->b, b, sizeof b));
		else
			snprintf(label, sizeof label, "%s %s",
				 e->kind == ENTRY_MEM_W ? "weights" : "outputs",
				 cost_dtype_name(e->a, a, sizeof a));
		fprintf(out, "  %-40s %16s\n", label, v);
	}
	struct totals t = totals_of(&total);
	const struct { const char *label; double v; } lines[] = {
		{"total MACs", t.macs},
		{"total bit operations (BOPs)", t.bops},
		{"weight memory, elements", t.w_elems},
		{"weight memory, bits", t.w_bits},
		{"output memory, elements", t.o_elems},
		{"output memory, bits", t.o_bits},
	};
	fputc('\n', out);
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		num_str(lines[i].v, v, sizeof v);
		fprintf(out, "  %-40s %16s\n", lines[i].label, v);
	}
	fprintf(out, "\n  unsupported op types:");
	for (int i = 0; i < r->nunsupported; i++)
		fprintf(out, "%s %s", i ? "," : "", r->unsupported[i]);
	fprintf(out, "%s\n", r->nunsupported ? "" : " none");
}

int cost_report(struct ir_module *m, const char *model_path, const struct cost_options *o,
		FILE *out, char *err, size_t errlen)
{
	struct cost_facts f = {0};
	struct report r = {.discount = !o->dense};
	int rc = -1;
	if (cost_facts_compute(m, model_path, &f, err, errlen) < 0)
		return -1;
	struct ctx c = {m, &f, !o->dense};
	if (analyse(&c, &r) < 0) {
		snprintf(err, errlen, "%s", m->error);
		goto done;
	}
	if (o->json)
		print_json(out, &r, o->per_layer);
	else
		print_table(out, model_path ? model_path : m->path, &r, o->per_layer);
	rc = 0;
done:
	free(r.nodes);
	free(r.unsupported);
	cost_facts_free(&f);
	return rc;
}

int driver_cost(const struct cli_options *opt)
{
	struct cli_options o = *opt;
	char err[512];
	if (!o.passes)
		o.passes = "none"; /* qonnx analyses the model as exported */
	struct ir_module *m = driver_load(&o);
	if (!m)
		return EXIT_BAD_MODEL;
	struct cost_options co = {.dense = opt->cost_dense, .json = opt->cost_json,
				  .per_layer = opt->cost_per_layer};
	int rc = cost_report(m, opt->model, &co, stdout, err, sizeof err);
	if (rc < 0)
		driver_error(opt->model, "%s", err);
	ir_module_free(m);
	return rc < 0 ? EXIT_BAD_MODEL : EXIT_OK;
}
