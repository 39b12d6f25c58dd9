/* pipeline.c: the table of passes and the function running a pipeline of
 * them (see pipeline.h).
 *
 * Adding a pass is one row in `passes` and, if it belongs to the default
 * pipeline, its name in DEFAULT_PIPELINE. After each pass the IR can be
 * verified (use lists rebuilt, then ir_verify) and printed to stderr in the
 * --emit=ir text form under a line "; IR after NAME".
 */
#include "pipeline.h"
#include "passes.h"

#include <stdio.h>
#include <string.h>

#define DEFAULT_PIPELINE "cleanup,channels-last,lower-integer,f32-sums"

struct pass {
	const char *name;
	int (*run)(struct ir_module *m);
	const char *summary;
};

static const struct pass passes[] = {
	{"cleanup", pass_cleanup,
	 "fold constants; drop no-ops and dead code; Gemm to MatMul;\n"
	 "BatchNormalization to Mul/Add; merge constant Mul/Add chains\n"
	 "and fold them into MatMul/Conv weights"},
	{"channels-last", pass_channels_last,
	 "convolutions, pools and the ops between them to channels-last\n"
	 "(NHWC), with Transposes only where the layout must change"},
	{"promote-f64", pass_promote_f64, "every f32 tensor to f64 (the float64 oracle)"},
	{"lower-integer", pass_lower_integer,
	 "quantizers to integer Quantize/Dequantize; MatMul, Conv, pools,\n"
	 "data movement and Add on integers; requantizations to\n"
	 "MultiThreshold or an exact multiply-add-shift (Requantize)"},
	{"f32-sums", pass_f32_sums,
	 "float32 Conv (and, in a model without quantizers, MatMul) sum in\n"
	 "float32 fused multiply-adds instead of in double"},
};

enum { NPASSES = sizeof passes / sizeof passes[0], MAX_NAME = 64 };

static const struct pass *find_pass(const char *name, size_t len)
{
	for (int i = 0; i < NPASSES; i++)
		if (strlen(passes[i].name) == len && !strncmp(passes[i].name, name, len))
			return &passes[i];
	return NULL;
}

/* The next name of a comma list at *s (advanced past it and its comma). */
static const char *next_name(const char **s, size_t *len)
{
	const char *start = *s, *comma = strchr(start, ',');
	*len = comma ? (size_t)(comma - start) : strlen(start);
	*s = comma ? comma + 1 : start + *len;
	return start;
}

static bool in_list(const char *list, const char *name)
{
	if (!list)
		return false;
	size_t len;
	for (const char *s = list; *s;) {
		const char *n = next_name(&s, &len);
		if (len == strlen(name) && !strncmp(n, name, len))
			return true;
	}
	return false;
}

int pipeline_check(const char *list, bool allow_none, char *err, size_t errlen)
{
	if (allow_none && !strcmp(list, "none"))
		return 0;
	size_t len = strlen(list);
	if (len == 0 || list[len - 1] == ',')
		return snprintf(err, errlen, "empty pass name in '%.*s'", MAX_NAME, list), -1;
	const char *s = list;
	do {
		const char *n = next_name(&s, &len);
		if (find_pass(n, len))
			continue;
		int w = snprintf(err, errlen, "unknown pass '%.*s' (known passes:",
				 (int)(len < MAX_NAME ? len : MAX_NAME), n);
		for (int i = 0; i < NPASSES && w >= 0 && (size_t)w < errlen; i++)
			w += snprintf(err + w, errlen - (size_t)w, " %s", passes[i].name);
		if (w >= 0 && (size_t)w < errlen)
			snprintf(err + w, errlen - (size_t)w, "%s)", allow_none ? "; or none" : "");
		return -1;
	} while (*s);
	return 0;
}

/* Rebuilds use lists and verifies m after pass p. */
static int verify_after(struct ir_module *m, const struct pass *p)
{
	ir_rebuild_uses(m);
	if (ir_verify(m) == 0)
		return 0;
	char saved[sizeof m->error];
	memcpy(saved, m->error, sizeof saved);
	m->error[0] = 0;
	return ir_error(m, "after pass '%s': %s", p->name, saved);
}

static int run_one(struct ir_module *m, const struct pass *p, const struct pipeline_options *o)
{
	FILE *dump = o->dump ? o->dump : stderr;
	if (p->run(m) < 0) {
		/* A pass must say why it failed; if one does not, the user still
		 * gets one line naming it rather than an empty message. */
		if (!m->error[0])
			ir_error(m, "internal error: pass '%s' failed without a diagnostic", p->name);
		return -1;
	}
	bool verify = o->verify_each || o->verbose;
	if (verify && verify_after(m, p) < 0)
		return -1;
	if (o->verbose)
		fprintf(dump, "qonnxc: after %s: %d ops, %d values%s\n", p->name, m->nops, m->nvalues,
			verify ? "; verified" : "");
	if (o->print_after_all || in_list(o->print_after, p->name)) {
		fprintf(dump, "; IR after %s\n", p->name);
		ir_print(m, dump);
	}
	return 0;
}

int pipeline_run(struct ir_module *m, const struct pipeline_options *o)
{
	const char *list = o->passes ? o->passes : DEFAULT_PIPELINE;
	if (!strcmp(list, "none"))
		return 0;
	size_t len;
	for (const char *s = list; *s;) {
		const char *n = next_name(&s, &len);
		const struct pass *p = find_pass(n, len);
		if (!p)
			return ir_error(m, "unknown pass '%.*s'", (int)(len < MAX_NAME ? len : MAX_NAME), n);
		if (run_one(m, p, o) < 0)
			return -1;
	}
	return 0;
}

void pipeline_describe(FILE *out)
{
	for (int i = 0; i < NPASSES; i++) {
		fprintf(out, "  %-18s  ", passes[i].name);
		for (const char *c = passes[i].summary; *c; c++) {
			fputc(*c, out);
			if (*c == '\n')
				fprintf(out, "%22s", ""); /* continuation lines align with the summary */
		}
		fputc('\n', out);
	}
	fprintf(out, "  default pipeline: %s\n", DEFAULT_PIPELINE);
}
