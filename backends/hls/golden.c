/* golden.c: the golden vectors of the testbench, computed by qonnxc's own
 * reference: the interpreter's kernels (ir/interp/) run op by op over the
 * kernel's ops, exactly as `qonnxc run --interp` would evaluate them.
 *
 * Inputs are deterministic pseudo-random integers on the grid of each
 * kernel input's Quantize (bits, signed, narrow; -1 and +1 for bipolar),
 * from a fixed seed, so the same model gives the same vectors; then, with
 * --hls-input, the samples of the user's float inputs taken through the
 * float head and the Quantize ops by the interpreter. Every layer's
 * result is kept (the testbench names the first layer that differs), stored
 * in the narrowest .npy dtype of its type. The number of vectors is
 * --hls-vectors, else chosen from the kernel's size: 8 for small kernels
 * down to 1 for large ones (the testbench runs them in C simulation).
 */
#include "hls.h"
#include "ir/interp/interp.h"
#include "ir/quant.h"

#include <stdlib.h>
#include <string.h>

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static enum qrt_dtype dtype_of(const struct ir_type *t)
{
	static const enum qrt_dtype s[4] = {QRT_I8, QRT_I16, QRT_I32, QRT_I64};
	static const enum qrt_dtype u[4] = {QRT_U8, QRT_U16, QRT_U32, QRT_U64};
	int k = t->bits <= 8 ? 0 : t->bits <= 16 ? 1 : t->bits <= 32 ? 2 : 3;
	return t->is_signed ? s[k] : u[k];
}

static void garray_init(struct hls_garray *g, const struct ir_type *t, int samples)
{
	g->dtype = dtype_of(t);
	g->numel = ir_type_numel(t);
	g->data = calloc((size_t)(g->numel * samples) + 1, qrt_dtype_size(g->dtype));
	if (!g->data)
		abort();
}

static void garray_put(struct hls_garray *g, int sample, const int64_t *v)
{
	int64_t base = (int64_t)sample * g->numel;
	for (int64_t i = 0; i < g->numel; i++) {
		int64_t x = v[i];
		switch (g->dtype) {
		case QRT_I8: ((int8_t *)g->data)[base + i] = (int8_t)x; break;
		case QRT_I16: ((int16_t *)g->data)[base + i] = (int16_t)x; break;
		case QRT_I32: ((int32_t *)g->data)[base + i] = (int32_t)x; break;
		case QRT_U8: ((uint8_t *)g->data)[base + i] = (uint8_t)x; break;
		case QRT_U16: ((uint16_t *)g->data)[base + i] = (uint16_t)x; break;
		case QRT_U32: ((uint32_t *)g->data)[base + i] = (uint32_t)x; break;
		case QRT_U64: ((uint64_t *)g->data)[base + i] = (uint64_t)x; break;
		default: ((int64_t *)g->data)[base + i] = x; break;
		}
	}
}

/* Vectors: --hls-vectors, else by the work of one run. */
static int sample_count(struct hls *h)
{
	if (h->o->vectors > 0)
		return h->o->vectors;
	if (h->o->ninputs > 0)
		return 1;
	int64_t work = 0;
	for (int i = 0; i < h->nlayers; i++)
		if (h->layers[i].in_kernel)
			work += h->layers[i].macs +
				ir_type_numel(&h->m->values[h->m->ops[h->layers[i].op].results[0]].type);
	return work <= 1000000 ? 8 : work <= 10000000 ? 4 : work <= 100000000 ? 2 : 1;
}

/* Random integers on the grid of kernel input k's Quantize. */
static void random_input(struct hls *h, int k, int sample, int64_t *x)
{
	const struct ir_value *val = &h->m->values[h->kin[k]];
	const struct ir_op *q = &h->m->ops[val->def];
	int bits = (int)ir_attr_int(q, "bits", 8);
	bool is_signed = ir_attr_int(q, "signed", 1) != 0, narrow = ir_attr_int(q, "narrow", 0) != 0;
	int64_t lo = -1, hi = 1;
	if (!(is_signed && bits == 1))
		ir_quant_grid(bits, is_signed, narrow, &lo, &hi);
	uint64_t state = 0x51E5C0DEull ^ ((uint64_t)k << 32) ^ (uint64_t)sample * 0x100000001B3ull;
	uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
	for (int64_t i = 0; i < ir_type_numel(&val->type); i++) {
		uint64_t r = splitmix64(&state);
		x[i] = is_signed && bits == 1 ? ((r >> 63) ? 1 : -1) : lo + (int64_t)(span ? r % span : r);
	}
}

struct eval {
	struct ir_tensor *t;  /* per value: the data of kernel values */
	int *left;            /* per alias root: reads still to come */
};

static int eval_layer(struct hls *h, struct eval *e, const struct hls_layer *l)
{
	struct ir_module *m = h->m;
	const struct ir_op *op = &m->ops[l->op];
	if (l->alias) {
		int r = op->results[0];
		e->t[r] = (struct ir_tensor){m->values[r].type, e->t[op->operands[0]].data};
		return 0;
	}
	const struct ir_tensor **in = calloc((size_t)op->noperands + 1, sizeof *in);
	struct ir_tensor *ins = calloc((size_t)op->noperands + 1, sizeof *ins);
	struct ir_tensor **out = calloc((size_t)op->nresults, sizeof *out);
	if (!in || !ins || !out)
		abort();
	for (int k = 0; k < op->noperands; k++) {
		int v = op->operands[k];
		if (v == IR_NONE)
			continue;
		ins[k] = h->v[v].known ? (struct ir_tensor){m->values[v].type, (void *)ir_known_data(m, v)}
				       : e->t[v];
		in[k] = &ins[k];
	}
	for (int k = 0; k < op->nresults; k++) {
		int r = op->results[k];
		int64_t n = ir_type_numel(&m->values[r].type);
		e->t[r] = (struct ir_tensor){m->values[r].type,
					     calloc((size_t)(n ? n : 1), ir_storage_size(m->values[r].type.elem))};
		if (!e->t[r].data)
			abort();
		out[k] = &e->t[r];
	}
	struct arena scratch = {0};
	int rc = interp_kernels[op->code](m, op, in, out, &scratch);
	arena_free(&scratch);
	for (int k = 1; k < op->nresults; k++) {
		free(e->t[op->results[k]].data);
		e->t[op->results[k]].data = NULL;
	}
	free(in);
	free(ins);
	free(out);
	return rc;
}

/* Drops the data of the layer's operands nothing reads any more. */
static void release_operands(struct hls *h, struct eval *e, const struct ir_op *op)
{
	for (int k = 0; k < op->noperands; k++) {
		int v = op->operands[k];
		if (v == IR_NONE || h->v[v].known)
			continue;
		int root = h->v[v].alias;
		if (--e->left[root] == 0) {
			free(e->t[root].data);
			e->t[root].data = NULL;
		}
	}
}

/* The float inputs of --hls-input, one array per graph input. */
struct user_inputs {
	int64_t samples;
	float **data;
};

/* Graph inputs of user sample us through the head (the interpreter's
 * kernels on the float ops and the Quantize ops): the kernel's inputs. */
static int run_head(struct hls *h, struct eval *e, const struct user_inputs *u, int64_t us)
{
	struct ir_module *m = h->m;
	for (int i = 0; i < m->ninputs; i++) {
		const struct ir_type *t = &m->values[m->inputs[i]].type;
		e->t[m->inputs[i]] = (struct ir_tensor){*t, u->data[i] + us * ir_type_numel(t)};
	}
	for (int i = 0; i < h->nlayers; i++) {
		const struct hls_layer *l = &h->layers[i];
		const struct ir_op *op = &m->ops[l->op];
		if (l->in_kernel || (h->v[op->results[0]].part != HLS_HEAD && op->code != IR_OP_Quantize))
			continue;
		if (eval_layer(h, e, l) < 0)
			return -1;
	}
	return 0;
}

static int run_sample(struct hls *h, struct hls_golden *g, int s, const struct user_inputs *u)
{
	struct ir_module *m = h->m;
	struct eval e;
	int nrandom = g->samples - (int)u->samples, rc = 0;
	e.t = calloc((size_t)m->nvalues, sizeof *e.t);
	e.left = calloc((size_t)m->nvalues, sizeof *e.left);
	if (!e.t || !e.left)
		abort();
	for (int i = 0; i < h->nlayers; i++) {
		const struct ir_op *op = &m->ops[h->layers[i].op];
		if (h->layers[i].in_kernel && !h->layers[i].alias)
			for (int k = 0; k < op->noperands; k++)
				if (op->operands[k] != IR_NONE && !h->v[op->operands[k]].known)
					e.left[h->v[op->operands[k]].alias]++;
	}
	for (int i = 0; i < h->nkout; i++)
		e.left[h->v[h->kout[i]].alias]++;
	if (s >= nrandom)
		rc = run_head(h, &e, u, s - nrandom);
	for (int k = 0; k < h->nkin && rc == 0; k++) {
		int v = h->kin[k];
		if (s < nrandom) {
			int64_t n = ir_type_numel(&m->values[v].type);
			int64_t *x = calloc((size_t)(n ? n : 1), sizeof *x);
			if (!x)
				abort();
			random_input(h, k, s, x);
			e.t[v] = (struct ir_tensor){m->values[v].type, x};
		}
		garray_put(&g->in[k], s, e.t[v].data);
	}
	for (int i = 0; i < h->nlayers && rc == 0; i++) {
		const struct hls_layer *l = &h->layers[i];
		if (!l->in_kernel)
			continue;
		const struct ir_op *op = &m->ops[l->op];
		rc = eval_layer(h, &e, l);
		if (rc == 0 && l->trace >= 0)
			garray_put(&g->layer[l->trace], s, e.t[op->results[0]].data);
		if (rc == 0 && !l->alias) {
			int r = op->results[0];
			release_operands(h, &e, op);
			if (e.left[r] == 0) { /* a result nothing reads */
				free(e.t[r].data);
				e.t[r].data = NULL;
			}
		}
	}
	for (int k = 0; k < h->nkout && rc == 0; k++)
		garray_put(&g->out[k], s, e.t[h->kout[k]].data);
	for (int v = 0; v < m->nvalues; v++)
		if (h->v[v].alias == v && m->values[v].kind == IR_VALUE_RESULT &&
		    (h->v[v].part == HLS_KERNEL || h->v[v].part == HLS_HEAD))
			free(e.t[v].data);
	free(e.t);
	free(e.left);
	return rc;
}

/* Reads --hls-input: one float .npy per graph input, each a whole number
 * of that input's elements, the same number of samples in all. */
static int load_user_inputs(struct hls *h, struct user_inputs *u, char *err, size_t errlen)
{
	struct ir_module *m = h->m;
	memset(u, 0, sizeof *u);
	if (h->o->ninputs == 0)
		return 0;
	if (h->o->ninputs != m->ninputs)
		return snprintf(err, errlen, "--hls-input: %d files for %d model inputs", h->o->ninputs,
				m->ninputs), -1;
	u->data = calloc((size_t)m->ninputs, sizeof *u->data);
	if (!u->data)
		abort();
	for (int i = 0; i < m->ninputs; i++) {
		struct qrt_array a;
		char msg[256];
		int64_t per = ir_type_numel(&m->values[m->inputs[i]].type);
		if (qrt_npy_read(h->o->inputs[i], &a, msg, sizeof msg) < 0)
			return snprintf(err, errlen, "--hls-input '%s': %s", h->o->inputs[i], msg), -1;
		int64_t n = qrt_array_numel(&a);
		if ((a.dtype != QRT_F32 && a.dtype != QRT_F64) || per == 0 || n % per || n == 0 ||
		    (i && n / per != u->samples)) {
			qrt_array_free(&a);
			return snprintf(err, errlen, "--hls-input '%s': expected float samples of %lld "
				       "elements for input '%s'%s", h->o->inputs[i], (long long)per,
				       m->values[m->inputs[i]].name,
				       i ? ", as many as the other inputs" : ""), -1;
		}
		u->samples = n / per;
		u->data[i] = malloc((size_t)n * sizeof(float));
		if (!u->data[i])
			abort();
		for (int64_t j = 0; j < n; j++)
			u->data[i][j] = (float)qrt_array_get(&a, j);
		qrt_array_free(&a);
	}
	return 0;
}

static void free_user_inputs(struct hls *h, struct user_inputs *u)
{
	for (int i = 0; u->data && i < h->m->ninputs; i++)
		free(u->data[i]);
	free(u->data);
}

int hls_golden_run(struct hls *h, struct hls_golden *g, char *err, size_t errlen)
{
	struct ir_module *m = h->m;
	struct user_inputs u;
	memset(g, 0, sizeof *g);
	if (load_user_inputs(h, &u, err, errlen) < 0) {
		free_user_inputs(h, &u);
		return -2;
	}
	g->samples = sample_count(h) + (int)u.samples;
	g->in = calloc((size_t)h->nkin + 1, sizeof *g->in);
	g->out = calloc((size_t)h->nkout + 1, sizeof *g->out);
	g->layer = calloc((size_t)h->ntraced + 1, sizeof *g->layer);
	if (!g->in || !g->out || !g->layer)
		abort();
	for (int k = 0; k < h->nkin; k++)
		garray_init(&g->in[k], &m->values[h->kin[k]].type, g->samples);
	for (int k = 0; k < h->nkout; k++)
		garray_init(&g->out[k], &m->values[h->kout[k]].type, g->samples);
	for (int i = 0; i < h->nlayers; i++)
		if (h->layers[i].trace >= 0)
			garray_init(&g->layer[h->layers[i].trace],
				    &m->values[m->ops[h->layers[i].op].results[0]].type, g->samples);
	int rc = 0;
	for (int s = 0; s < g->samples && rc == 0; s++)
		rc = run_sample(h, g, s, &u);
	free_user_inputs(h, &u);
	return rc;
}

void hls_golden_free(struct hls *h, struct hls_golden *g)
{
	for (int k = 0; g->in && k < h->nkin; k++)
		free(g->in[k].data);
	for (int k = 0; g->out && k < h->nkout; k++)
		free(g->out[k].data);
	for (int k = 0; g->layer && k < h->ntraced; k++)
		free(g->layer[k].data);
	free(g->in);
	free(g->out);
	free(g->layer);
	memset(g, 0, sizeof *g);
}
