/* hls_backend.c: hls_generate, the HLS backend's one straight-line
 * pipeline (see hls.h for what each step does): partition, every op as a C
 * function, the kernel and host files, the golden vectors, the testbench
 * and build files, then the directory written whole. Nothing touches the
 * file system before every op is known to map.
 */
#include "hls.h"

#include <stdlib.h>
#include <string.h>

/* "HLS backend cannot map: <model reasons>; node 'X' (Op): reason; ..." in
 * op order; malloc'd. */
static char *cannot_map_message(struct hls *h)
{
	struct sb b = {0};
	sb_puts(&b, "HLS backend cannot map: ");
	if (h->errors.len)
		sb_puts(&b, h->errors.s);
	bool first = !h->errors.len;
	for (int o = 0; o < h->m->nops; o++) {
		if (!h->reason[o])
			continue;
		const struct ir_op *op = &h->m->ops[o];
		sb_printf(&b, "%snode '%s' (%s): %s", first ? "" : "; ", op->name,
			  ir_opinfo[op->code].name, h->reason[o]);
		first = false;
	}
	return b.s;
}

/* The prefix names the top function, files and types: no C keyword, no
 * name of the C library the testbench uses. */
static int check_name(const char *name, char *err, size_t errlen)
{
	static const char *const reserved[] = {
		/* keywords */
		"auto", "break", "case", "char", "const", "continue", "default", "do", "double",
		"else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
		"register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
		"switch", "typedef", "union", "unsigned", "void", "volatile", "while", "bool", "true",
		"false",
		/* what the host files and the testbench call */
		"main", "round", "trunc", "floor", "ceil", "fabs", "fabsf", "expf", "logf", "sqrtf",
		"tanhf", "erff", "floorf", "ceilf", "powf", "fmaxf", "fminf", "printf", "fprintf",
		"snprintf", "fopen", "fclose", "fread", "fwrite", "fgetc", "malloc", "calloc", "free",
		"memset", "memcpy", "memcmp", "strstr", "strchr", "strlen", "strncmp", "exit", "y0",
		"y1", "j0", "j1",
	};
	for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		if (!strcmp(name, reserved[i]))
			return snprintf(err, errlen, "--name=%s would clash with a C keyword or a name "
				       "the testbench uses", name), -1;
	if (name[0] == '_' || !strncmp(name, "tb_", 3) || !strncmp(name, "QONNX_", 6))
		return snprintf(err, errlen, "--name=%s: names starting with _, tb_ or QONNX_ are "
			       "reserved", name), -1;
	return 0;
}

static void free_texts(struct hls *h)
{
	sb_free(&h->errors);
	sb_free(&h->header);
	sb_free(&h->kernel);
	sb_free(&h->weights);
	sb_free(&h->io);
	sb_free(&h->io_header);
}

static int write_project(struct hls *h, const char *outdir, const struct hls_golden *g, char *err,
			 size_t errlen)
{
	struct sb tb = {0}, npy_c = {0}, npy_h = {0}, mk = {0}, tcl = {0}, readme = {0}, report = {0};
	hls_write_testbench(h, &tb, &npy_c, &npy_h);
	hls_write_makefile(h, &mk);
	hls_write_tcl(h, &tcl);
	hls_write_readme(h, &readme);
	hls_write_report(h, &report);
	const char *p = h->p;
	struct hls_file files[] = {
		{hls_str(h, "src/%s.c", p), &h->kernel, NULL, 0},
		{hls_str(h, "src/%s.h", p), &h->header, NULL, 0},
		{hls_str(h, "src/%s_weights.h", p), &h->weights, NULL, 0},
		{hls_str(h, "src/%s_io.c", p), &h->io, NULL, 0},
		{hls_str(h, "src/%s_io.h", p), &h->io_header, NULL, 0},
		{hls_str(h, "tb/%s_tb.c", p), &tb, NULL, 0},
		{"tb/npy.c", &npy_c, NULL, 0},
		{"tb/npy.h", &npy_h, NULL, 0},
		{"Makefile", &mk, NULL, 0},
		{"run_hls.tcl", &tcl, NULL, 0},
		{"README.md", &readme, NULL, 0},
		{"report.json", &report, NULL, 0},
	};
	int nfiles = (int)(sizeof files / sizeof files[0]);
	int rc = h->o->sink ? hls_sink_project(h->o->sink, files, nfiles, g, h, err, errlen)
			    : hls_write_project(outdir, files, nfiles, g, h, err, errlen);
	sb_free(&tb);
	sb_free(&npy_c);
	sb_free(&npy_h);
	sb_free(&mk);
	sb_free(&tcl);
	sb_free(&readme);
	sb_free(&report);
	return rc;
}

int hls_generate(struct ir_module *m, const struct hls_options *o, const char *outdir,
		 char **msg_out, char *err, size_t errlen)
{
	struct hls h = {0};
	struct hls_golden g = {0};
	int rc = -1;
	*msg_out = NULL;
	h.m = m;
	h.o = o;
	h.p = o->name;
	char *up = arena_strdup(&h.a, o->name);
	for (char *c = up; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
	h.P = up;
	if ((!o->sink && hls_check_outdir(outdir, err, errlen) < 0) ||
	    check_name(o->name, err, errlen) < 0) {
		rc = -2;
		goto done;
	}
	if (hls_partition(&h) < 0)
		goto done;
	if (h.nkin > 0) /* else nothing to map: the model-level reason says why */
		hls_emit_functions(&h);
	if (h.nerrors) {
		*msg_out = cannot_map_message(&h);
		snprintf(m->error, sizeof m->error, "%s", *msg_out);
		goto done;
	}
	hls_write_kernel(&h);
	hls_write_io(&h);
	hls_write_header(&h);
	int grc = hls_golden_run(&h, &g, err, errlen);
	if (grc < 0) {
		rc = grc;
		goto done;
	}
	if (write_project(&h, outdir, &g, err, errlen) < 0) {
		rc = -2;
		goto done;
	}
	if (o->summary)
		hls_print_summary(&h, outdir, o->summary);
	rc = 0;
done:
	hls_golden_free(&h, &g);
	free_texts(&h);
	arena_free(&h.a);
	return rc;
}
