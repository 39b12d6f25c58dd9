/* testbench.c: the text of tb/NAME_tb.c, the testbench.
 *
 *   NAME_tb [DIR]              every golden vector of DIR (default: the tb/
 *                              directory the Makefile compiles in): the
 *                              kernel's outputs compared bit for bit, and
 *                              through NAME_trace every layer's result, so a
 *                              mismatch names the first layer that differs;
 *                              exit 1 on any mismatch
 *   NAME_tb IN... OUT...       float inputs (.npy, one per model input, with
 *                              or without a leading sample dim) through
 *                              NAME_quantize, the kernel and NAME_dequantize;
 *                              the float32 outputs written as .npy
 * The golden files are DIR/inK.npy, DIR/outK.npy and DIR/layerK.npy, each
 * [vectors, elements] (golden.c, project.c).
 */
#include "hls.h"

#include <string.h>

static void emit_tables(struct hls *h, struct sb *b)
{
	struct ir_module *m = h->m;
	sb_printf(b, "struct layer {\n\tconst char *name, *op;\n\tlong long n;\n};\n\n");
	sb_printf(b, "/* The traced layers, in the order the kernel runs them. */\n");
	sb_printf(b, "static const struct layer tb_layers[%d] = {\n", h->ntraced + 1);
	for (int i = 0; i < h->nlayers; i++) {
		const struct hls_layer *l = &h->layers[i];
		if (l->trace < 0)
			continue;
		const struct ir_op *op = &m->ops[l->op];
		sb_puts(b, "\t{");
		sb_c_string(b, op->name);
		sb_printf(b, ", \"%s\", %lld},\n", ir_opinfo[op->code].name,
			  (long long)ir_type_numel(&m->values[op->results[0]].type));
	}
	sb_puts(b, "\t{0, 0, 0},\n};\n\n");
	for (int i = 0; i < m->ninputs; i++) {
		const struct ir_type *t = &m->values[m->inputs[i]].type;
		sb_printf(b, "static const int tb_x%d_rank = %d;\n", i, t->rank);
	}
	for (int i = 0; i < m->noutputs; i++) {
		const struct ir_type *t = &m->values[m->outputs[i]].type;
		sb_printf(b, "static const int tb_y%d_rank = %d;\nstatic const long long tb_y%d_dims[%d] = {", i,
			  t->rank, i, t->rank + 1);
		for (int d = 0; d < t->rank; d++)
			sb_printf(b, "%lld, ", (long long)t->dims[d]);
		sb_puts(b, "0};\n");
	}
	sb_puts(b, "\n");
	for (int i = 0; i < h->nkin; i++)
		sb_printf(b, "static %s_in%d_t tb_in%d[%s_IN%d_SIZE];\n", h->p, i, i, h->P, i);
	for (int i = 0; i < h->nkout; i++)
		sb_printf(b, "static %s_out%d_t tb_out%d[%s_OUT%d_SIZE];\n", h->p, i, i, h->P, i);
	for (int i = 0; i < m->ninputs; i++)
		sb_printf(b, "static float tb_x%d[%s_X%d_SIZE];\n", i, h->P, i);
	for (int i = 0; i < m->noutputs; i++)
		sb_printf(b, "static float tb_y%d[%s_Y%d_SIZE];\n", i, h->P, i);
	sb_puts(b, "\n");
}

static void emit_trace(struct hls *h, struct sb *b)
{
	sb_printf(b, "static struct tb_npy tb_golden_layers[%d];\n", h->ntraced + 1);
	sb_printf(b, "static long long tb_traced[%d];\n", h->ntraced + 1);
	sb_puts(b, "static int tb_sample, tb_bad_layer = -1;\n"
		   "static long long tb_bad_index, tb_bad_got, tb_bad_want;\n\n");
	sb_printf(b, "/* Called by the kernel (QONNX_HLS_TRACE) with every element of every layer. */\n"
		     "void %s_trace(int layer, long long index, long long value)\n", h->p);
	sb_puts(b, "{\n"
		   "\ttb_traced[layer]++;\n"
		   "\tif (tb_bad_layer >= 0 || !tb_golden_layers[layer].data)\n"
		   "\t\treturn;\n"
		   "\tlong long want = tb_npy_int(&tb_golden_layers[layer], tb_sample * tb_layers[layer].n + index);\n"
		   "\tif (value != want) {\n"
		   "\t\ttb_bad_layer = layer;\n"
		   "\t\ttb_bad_index = index;\n"
		   "\t\ttb_bad_got = value;\n"
		   "\t\ttb_bad_want = want;\n"
		   "\t}\n"
		   "}\n\n");
}

/* Loads DIR/name into a; checks [samples, n]. */
static void emit_load(struct sb *b)
{
	sb_puts(b, "static int tb_load(const char *dir, const char *name, long long n, struct tb_npy *a)\n"
		   "{\n"
		   "\tchar path[4096];\n"
		   "\tsnprintf(path, sizeof path, \"%s/%s\", dir, name);\n"
		   "\tif (tb_npy_read(path, a) < 0)\n"
		   "\t\treturn -1;\n"
		   "\tif (a->rank != 2 || a->dims[1] != n || a->kind == 'f') {\n"
		   "\t\tfprintf(stderr, \"%s: expected integers of shape [vectors, %lld]\\n\", path, n);\n"
		   "\t\treturn -1;\n"
		   "\t}\n"
		   "\treturn 0;\n"
		   "}\n\n");
}

static void emit_golden(struct hls *h, struct sb *b)
{
	sb_puts(b, "static int tb_run_golden(const char *dir)\n{\n");
	sb_printf(b, "\tstruct tb_npy gin[%d], gout[%d];\n", h->nkin + 1, h->nkout + 1);
	sb_puts(b, "\tint failed = 0, traced_all = 1;\n");
	for (int i = 0; i < h->nkin; i++)
		sb_printf(b, "\tif (tb_load(dir, \"in%d.npy\", %s_IN%d_SIZE, &gin[%d]) < 0)\n\t\treturn 2;\n", i,
			  h->P, i, i);
	for (int i = 0; i < h->nkout; i++)
		sb_printf(b, "\tif (tb_load(dir, \"out%d.npy\", %s_OUT%d_SIZE, &gout[%d]) < 0)\n\t\treturn 2;\n",
			  i, h->P, i, i);
	sb_printf(b, "\tfor (int l = 0; l < %d; l++) {\n", h->ntraced);
	sb_puts(b, "\t\tchar name[64];\n"
		   "\t\tsnprintf(name, sizeof name, \"layer%d.npy\", l);\n"
		   "\t\tif (tb_load(dir, name, tb_layers[l].n, &tb_golden_layers[l]) < 0)\n"
		   "\t\t\treturn 2;\n"
		   "\t}\n"
		   "\tconst long long vectors = gin[0].dims[0];\n"
		   "\tfor (tb_sample = 0; tb_sample < vectors; tb_sample++) {\n");
	for (int i = 0; i < h->nkin; i++)
		sb_printf(b, "\t\tfor (long long i = 0; i < %s_IN%d_SIZE; i++)\n"
			     "\t\t\ttb_in%d[i] = (%s_in%d_t)tb_npy_int(&gin[%d], tb_sample * %s_IN%d_SIZE + i);\n",
			  h->P, i, i, h->p, i, i, h->P, i);
	sb_printf(b, "\t\ttb_bad_layer = -1;\n\t\tmemset(tb_traced, 0, sizeof tb_traced);\n\t\t%s(", h->p);
	for (int i = 0; i < h->nkin; i++)
		sb_printf(b, "%stb_in%d", i ? ", " : "", i);
	for (int i = 0; i < h->nkout; i++)
		sb_printf(b, ", tb_out%d", i);
	sb_puts(b, ");\n"
		   "\t\tint bad = 0;\n");
	sb_printf(b, "\t\tfor (int l = 0; l < %d; l++)\n"
		     "\t\t\ttraced_all &= tb_traced[l] == tb_layers[l].n;\n",
		  h->ntraced);
	sb_puts(b, "\t\tif (tb_bad_layer >= 0) {\n"
		   "\t\t\tprintf(\"vector %lld: layer %d '%s' (%s) is the first to differ: element %lld \"\n"
		   "\t\t\t       \"is %lld, expected %lld\\n\", (long long)tb_sample, tb_bad_layer,\n"
		   "\t\t\t       tb_layers[tb_bad_layer].name, tb_layers[tb_bad_layer].op, tb_bad_index, tb_bad_got, tb_bad_want);\n"
		   "\t\t\tbad = 1;\n"
		   "\t\t}\n");
	for (int i = 0; i < h->nkout; i++)
		sb_printf(b, "\t\tfor (long long i = 0; i < %s_OUT%d_SIZE; i++) {\n"
			     "\t\t\tlong long want = tb_npy_int(&gout[%d], tb_sample * %s_OUT%d_SIZE + i);\n"
			     "\t\t\tif ((long long)tb_out%d[i] != want) {\n"
			     "\t\t\t\tprintf(\"vector %%lld: output %d differs: element %%lld is %%lld, \"\n"
			     "\t\t\t\t       \"expected %%lld\\n\", (long long)tb_sample, i, (long long)tb_out%d[i], want);\n"
			     "\t\t\t\tbad = 1;\n"
			     "\t\t\t\tbreak;\n"
			     "\t\t\t}\n"
			     "\t\t}\n",
			  h->P, i, i, h->P, i, i, i, i);
	sb_puts(b, "\t\tfailed += bad;\n"
		   "\t}\n");
	sb_printf(b, "\tprintf(\"%s_tb: %%lld golden vectors, %%lld bit-exact, %%d layers %%s\\n\", vectors,\n"
		     "\t       vectors - failed, %d, traced_all ? \"traced\" : \"not traced (no QONNX_HLS_TRACE)\");\n",
		  h->p, h->ntraced);
	for (int i = 0; i < h->nkin; i++)
		sb_printf(b, "\ttb_npy_free(&gin[%d]);\n", i);
	for (int i = 0; i < h->nkout; i++)
		sb_printf(b, "\ttb_npy_free(&gout[%d]);\n", i);
	sb_printf(b, "\tfor (int l = 0; l < %d; l++)\n\t\ttb_npy_free(&tb_golden_layers[l]);\n",
		  h->ntraced);
	sb_puts(b, "\treturn failed ? 1 : 0;\n}\n\n");
}

static void emit_files(struct hls *h, struct sb *b)
{
	struct ir_module *m = h->m;
	sb_puts(b, "static int tb_run_files(char **argv)\n{\n");
	sb_printf(b, "\tstruct tb_npy xin[%d];\n\tlong long vectors = -1;\n\tint lead = 0, rc = 2;\n",
		  m->ninputs + 1);
	for (int i = 0; i < m->noutputs; i++)
		sb_printf(b, "\tfloat *res%d = NULL;\n", i);
	sb_puts(b, "\tmemset(xin, 0, sizeof xin);\n");
	for (int i = 0; i < m->ninputs; i++)
		sb_printf(b, "\tif (tb_npy_read(argv[%d], &xin[%d]) < 0)\n\t\tgoto done;\n"
			     "\tif (xin[%d].numel %% %s_X%d_SIZE || (vectors >= 0 && xin[%d].numel / %s_X%d_SIZE != vectors)) {\n"
			     "\t\tfprintf(stderr, \"%%s: not a whole number of inputs of %%d elements\\n\", argv[%d], %s_X%d_SIZE);\n"
			     "\t\tgoto done;\n\t}\n"
			     "\tvectors = xin[%d].numel / %s_X%d_SIZE;\n"
			     "\tlead |= xin[%d].rank == tb_x%d_rank + 1;\n",
			  i, i, i, h->P, i, i, h->P, i, i, h->P, i, i, h->P, i, i, i);
	for (int i = 0; i < m->noutputs; i++)
		sb_printf(b, "\tres%d = malloc(sizeof(float) * (size_t)(vectors * %s_Y%d_SIZE + 1));\n"
			     "\tif (!res%d)\n\t\tgoto done;\n",
			  i, h->P, i, i);
	sb_puts(b, "\tfor (long long s = 0; s < vectors; s++) {\n");
	for (int i = 0; i < m->ninputs; i++)
		sb_printf(b, "\t\tfor (long long i = 0; i < %s_X%d_SIZE; i++)\n"
			     "\t\t\ttb_x%d[i] = (float)tb_npy_double(&xin[%d], s * %s_X%d_SIZE + i);\n",
			  h->P, i, i, i, h->P, i);
	struct sb args = {0};
	sb_printf(b, "\t\t%s_quantize(", h->p);
	for (int i = 0; i < m->ninputs; i++)
		sb_printf(b, "%stb_x%d", i ? ", " : "", i);
	for (int i = 0; i < h->nkin; i++)
		sb_printf(b, ", tb_in%d", i);
	sb_printf(b, ");\n\t\t%s(", h->p);
	for (int i = 0; i < h->nkin; i++)
		sb_printf(b, "%stb_in%d", i ? ", " : "", i);
	for (int i = 0; i < h->nkout; i++)
		sb_printf(b, ", tb_out%d", i);
	sb_printf(b, ");\n\t\t%s_dequantize(", h->p);
	for (int i = 0; i < h->nkout; i++)
		sb_printf(b, "%stb_out%d", i ? ", " : "", i);
	for (int i = 0; i < m->noutputs; i++)
		sb_printf(b, "%stb_y%d", h->nkout || i ? ", " : "", i);
	sb_puts(b, ");\n");
	for (int i = 0; i < m->noutputs; i++)
		sb_printf(b, "\t\tfor (long long i = 0; i < %s_Y%d_SIZE; i++)\n"
			     "\t\t\tres%d[s * %s_Y%d_SIZE + i] = tb_y%d[i];\n",
			  h->P, i, i, h->P, i, i);
	sb_puts(b, "\t}\n\trc = 0;\n");
	for (int i = 0; i < m->noutputs; i++)
		sb_printf(b, "\t{\n"
			     "\t\tlong long dims[%d];\n"
			     "\t\tint rank = 0;\n"
			     "\t\tif (lead || vectors != 1)\n"
			     "\t\t\tdims[rank++] = vectors;\n"
			     "\t\tfor (int d = 0; d < tb_y%d_rank; d++)\n"
			     "\t\t\tdims[rank++] = tb_y%d_dims[d];\n"
			     "\t\tif (tb_npy_write_f32(argv[%d], rank, dims, res%d) < 0)\n"
			     "\t\t\trc = 2;\n"
			     "\t}\n",
			  IR_MAX_RANK + 1, i, i, m->ninputs + i, i);
	sb_puts(b, "done:\n");
	for (int i = 0; i < m->noutputs; i++)
		sb_printf(b, "\tfree(res%d);\n", i);
	for (int i = 0; i < m->ninputs; i++)
		sb_printf(b, "\ttb_npy_free(&xin[%d]);\n", i);
	sb_puts(b, "\treturn rc;\n}\n\n");
	sb_free(&args);
}

void hls_write_testbench(struct hls *h, struct sb *b, struct sb *npy_c, struct sb *npy_h)
{
	struct ir_module *m = h->m;
	sb_printf(b, "/* %s_tb.c: the testbench of the HLS kernel of ", h->p);
	sb_comment_text(b, h->o->source_name);
	sb_printf(b, ", generated by qonnxc.\n"
		     " *\n"
		     " *   %s_tb [DIR]          runs every golden vector of DIR (default: this tb/\n"
		     " *                        directory) and compares every output bit for bit, and\n"
		     " *                        every layer through %s_trace; names the first layer\n"
		     " *                        that differs; exit status 1 on a mismatch\n"
		     " *   %s_tb IN... OUT...   float .npy inputs (one per model input, optionally\n"
		     " *                        with a leading vector dim) through %s_quantize, the\n"
		     " *                        kernel and %s_dequantize; float32 .npy outputs\n"
		     " */\n",
		  h->p, h->p, h->p, h->p, h->p);
	sb_printf(b, "#include \"%s.h\"\n#include \"%s_io.h\"\n#include \"npy.h\"\n\n", h->p, h->p);
	sb_puts(b, "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n\n");
	sb_printf(b, "#ifndef %s_TB_DIR\n#define %s_TB_DIR \"tb\"\n#endif\n\n", h->P, h->P);
	emit_tables(h, b);
	emit_trace(h, b);
	emit_load(b);
	emit_golden(h, b);
	emit_files(h, b);
	sb_puts(b, "int main(int argc, char **argv)\n{\n");
	sb_printf(b, "\tif (argc == 1)\n\t\treturn tb_run_golden(%s_TB_DIR);\n", h->P);
	sb_puts(b, "\tif (argc == 2 && argv[1][0] != '-')\n\t\treturn tb_run_golden(argv[1]);\n");
	sb_printf(b, "\tif (argc == %d)\n\t\treturn tb_run_files(argv + 1);\n", 1 + m->ninputs + m->noutputs);
	sb_puts(b, "\tfprintf(stderr, \"usage: %s [GOLDEN_DIR] | %s");
	for (int i = 0; i < m->ninputs; i++)
		sb_printf(b, " IN%d.npy", i);
	for (int i = 0; i < m->noutputs; i++)
		sb_printf(b, " OUT%d.npy", i);
	sb_puts(b, "\\n\", argv[0], argv[0]);\n\treturn 2;\n}\n");
	hls_write_npy_sources(npy_c, npy_h);
}
