/* verify.c: `qonnxc verify`: the compiled model against the interpreter.
 *
 * The model is loaded twice: as imported and promoted to float64 (the
 * reference: the real-valued function the QONNX graph defines, interpreted)
 * and after the default pipeline (compiled in memory with the JIT). Both run on the same inputs: the
 * --input files, or VERIFY_SAMPLES random samples, drawn in each input
 * quantizer's range (a little beyond it, so clamping is exercised) or in
 * [-1, 1] for an input that is not quantized.
 *
 * Per output it reports the largest difference and, for an output that is a
 * dequantized quantizer, the elements off by one quantization step and by
 * more. The numerical contract of the integer lowering: at most 0.1% of the
 * elements one step off (the compiled model's float32 parts, such as input
 * scaling before the first quantizer, rounding differently at a quantizer's
 * threshold), none further. For a float output, differences up to FLOAT_REL_TOL of the
 * output's largest magnitude are float32 reassociation. Exit status 1 when
 * the contract is broken.
 */
#include "driver.h"
#include "run.h"
#include "backends/llvm/jit.h"
#include "ir/quant.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { VERIFY_SAMPLES = 16 };
/* Summation order and constant folding (BatchNorm into weights) move float32
 * results by a few hundred ulp of the largest value at most. */
#define FLOAT_REL_TOL 1e-4
#define ONE_STEP_MAX_FRACTION 0.001

struct verdict {
	int64_t n, off_one, off_more;
	double max_diff;
};

/* ---- random inputs ------------------------------------------------------ */

static double uniform(uint64_t *state)
{
	*state ^= *state << 13, *state ^= *state >> 7, *state ^= *state << 17;
	return (double)(*state >> 11) / 9007199254740992.0;
}

/* Real range [*lo, *hi] of the quantizer reading graph input v, if any. */
static bool quantizer_range(struct ir_module *m, int v, double *lo, double *hi)
{
	int n;
	const struct ir_use *u = ir_uses(m, v, &n);
	for (int i = 0; i < n; i++) {
		const struct ir_op *op = &m->ops[u[i].op];
		const struct ir_type *t = &m->values[op->results[0]].type;
		if (op->code != IR_OP_Quantize || !t->quant)
			continue;
		int64_t qlo, qhi;
		int bits = (int)ir_attr_int(op, "bits", t->bits);
		bool is_signed = ir_attr_int(op, "signed", 1) != 0;
		ir_quant_grid(bits, is_signed, ir_attr_int(op, "narrow", 0) != 0, &qlo, &qhi);
		*lo = INFINITY, *hi = -INFINITY;
		for (int64_t c = 0; c < t->quant->n; c++) {
			double s = ir_quant_scale(t->quant, c), z = (double)ir_quant_zero(t->quant, c);
			double a = s * ((double)qlo - z), b = s * ((double)qhi - z);
			double step = fabs(s);
			*lo = fmin(*lo, fmin(a, b) - step);
			*hi = fmax(*hi, fmax(a, b) + step);
		}
		return true;
	}
	return false;
}

static int random_inputs(struct ir_module *ref, struct ir_module *m, struct run_data *rd,
			 struct arena *a)
{
	uint64_t state = 0x9E3779B97F4A7C15ull;
	rd->samples = VERIFY_SAMPLES;
	rd->batched = true;
	for (int i = 0; i < ref->ninputs; i++) {
		const struct ir_value *in = &ref->values[ref->inputs[i]];
		if (in->type.elem != IR_ELEM_F32 && in->type.elem != IR_ELEM_F64) {
			driver_error(ref->path, "input '%s' is not a float tensor: give --input files",
				     in->name);
			return -1;
		}
		double lo = -1, hi = 1;
		quantizer_range(m, m->inputs[i], &lo, &hi);
		int64_t dims[IR_MAX_RANK + 1] = {VERIFY_SAMPLES};
		memcpy(dims + 1, in->type.dims, (size_t)in->type.rank * sizeof *dims);
		struct ir_tensor *t = &rd->inputs[i];
		t->type = ir_type_with_dims(in->type, in->type.rank + 1, dims);
		int64_t count = ir_type_numel(&t->type);
		t->data = arena_alloc(a, (size_t)count * ir_storage_size(t->type.elem) + 1);
		/* float32 values: what the compiled entry point takes */
		for (int64_t k = 0; k < count; k++)
			ir_tensor_set(t, k, (double)(float)(lo + (hi - lo) * uniform(&state)));
	}
	return 0;
}

/* ---- comparison ---------------------------------------------------------- */

/* Quantization step of element e of output k of m, 0 when the output is not
 * a dequantized integer. */
static double step_of(struct ir_module *m, int k, int64_t e)
{
	const struct ir_value *out = &m->values[m->outputs[k]];
	if (out->kind != IR_VALUE_RESULT || out->def == IR_NONE ||
	    m->ops[out->def].code != IR_OP_Dequantize)
		return 0;
	const struct ir_type *q = &m->values[m->ops[out->def].operands[0]].type;
	if (!q->quant)
		return 0;
	int64_t c = 0;
	if (q->quant->axis >= 0) {
		int64_t stride = 1;
		for (int d = q->rank - 1; d > q->quant->axis; d--)
			stride *= q->dims[d];
		c = e / stride % q->dims[q->quant->axis];
	}
	return fabs(ir_quant_scale(q->quant, c));
}

static void compare(struct ir_module *m, int k, const float *got, const struct ir_tensor *want,
		    struct verdict *v)
{
	int64_t n = ir_type_numel(&want->type);
	double biggest = 0;
	for (int64_t e = 0; e < n; e++)
		biggest = fmax(biggest, fabs(ir_tensor_get(want, e)));
	for (int64_t e = 0; e < n; e++) {
		double w = ir_tensor_get(want, e), d = fabs((double)got[e] - w);
		double step = step_of(m, k, e);
		v->n++;
		if (isnan(d) && isnan(w) && isnan((double)got[e]))
			continue;
		if (!(d <= v->max_diff))
			v->max_diff = isnan(d) ? NAN : fmax(v->max_diff, d);
		if (step > 0) {
			/* a step apart, up to float32 rounding of the dequantized values */
			double slack = 1e-6 * fmax(fabs(w), step);
			if (d <= slack)
				continue;
			if (d <= step + slack)
				v->off_one++;
			else
				v->off_more++;
		} else if (!(d <= FLOAT_REL_TOL * biggest + 1e-30)) {
			v->off_more++;
		}
	}
}

/* ---- the command ---------------------------------------------------------- */

static int run_both(struct ir_module *ref, struct ir_module *m, const struct run_data *rd,
		    struct llvm_jit *j, struct verdict *v, const char *model)
{
	float *outs[CLI_MAX_FILES];
	struct arena a = {0};
	for (int k = 0; k < m->noutputs; k++)
		outs[k] = arena_alloc(&a, (size_t)ir_type_numel(&m->values[m->outputs[k]].type) *
						  sizeof(float) + 1);
	int rc = 0;
	for (int64_t s = 0; s < rd->samples && rc == 0; s++) {
		struct arena per = {0};
		struct ir_tensor ins[CLI_MAX_FILES], want[CLI_MAX_FILES];
		const float *fins[CLI_MAX_FILES];
		for (int i = 0; i < ref->ninputs; i++)
			ins[i] = run_sample_of(&rd->inputs[i], s, rd->batched);
		run_to_f32(ins, ref->ninputs, fins, &per);
		if (llvm_jit_run(j, fins, outs) != 0) {
			driver_error(model, "the compiled model failed");
			rc = -1;
		} else if (interp_run(ref, ins, want, &per) < 0) {
			driver_error(model, "%s", ref->error);
			rc = -1;
		}
		for (int k = 0; k < m->noutputs && rc == 0; k++)
			compare(m, k, outs[k], &want[k], &v[k]);
		arena_free(&per);
	}
	arena_free(&a);
	return rc;
}

static bool report(struct ir_module *m, const struct verdict *v)
{
	bool ok = true;
	for (int k = 0; k < m->noutputs; k++) {
		bool quantized = step_of(m, k, 0) > 0;
		bool fine = v[k].off_more == 0 &&
			    (double)v[k].off_one <= ONE_STEP_MAX_FRACTION * (double)v[k].n;
		printf("output %s: %lld elements, max |diff| %.9g", m->values[m->outputs[k]].name,
		       (long long)v[k].n, v[k].max_diff);
		if (quantized)
			printf(", off by one step %lld (%.4f%%), by more %lld",
			       (long long)v[k].off_one, 100.0 * (double)v[k].off_one / (double)(v[k].n ? v[k].n : 1),
			       (long long)v[k].off_more);
		else
			printf(", beyond float tolerance %lld", (long long)v[k].off_more);
		printf(": %s\n", fine ? "ok" : "CONTRACT BROKEN");
		ok = ok && fine;
	}
	return ok;
}

int driver_verify(const struct cli_options *opt)
{
	struct cli_options ref_opt = *opt;
	ref_opt.passes = "promote-f64";
	struct ir_module *ref = driver_load(&ref_opt), *m = ref ? driver_load(opt) : NULL;
	struct llvm_jit *j = NULL;
	struct arena a = {0};
	int rc = EXIT_BAD_MODEL;
	if (!m)
		goto done;
	ir_rebuild_uses(m);
	struct run_data *rd = arena_alloc(&a, sizeof *rd);
	if (opt->ninputs ? run_load_inputs(ref, opt, rd, &a) < 0 : random_inputs(ref, m, rd, &a) < 0) {
		rc = EXIT_USAGE;
		goto done;
	}
	if (!(j = llvm_jit_compile(m, opt->opt_level, opt->mattr))) {
		driver_error(opt->model, "%s", m->error);
		goto done;
	}
	struct verdict *v = arena_alloc(&a, (size_t)m->noutputs * sizeof *v + 1);
	memset(v, 0, (size_t)m->noutputs * sizeof *v);
	if (run_both(ref, m, rd, j, v, opt->model) < 0)
		goto done;
	printf("%s: %lld samples\n", opt->model, (long long)rd->samples);
	rc = report(m, v) ? EXIT_OK : EXIT_BAD_MODEL;
done:
	llvm_jit_free(j);
	arena_free(&a);
	if (m)
		ir_module_free(m);
	if (ref)
		ir_module_free(ref);
	return rc;
}
