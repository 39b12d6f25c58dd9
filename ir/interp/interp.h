/* interp.h: the reference interpreter, qonnxc's oracle.
 *
 * Executes a module with ONNX/QONNX semantics in the element types of the IR:
 * f32 arithmetic for f32 tensors (as ONNX Runtime and qonnx's executor do),
 * f64 for f64, int64 storage for bool and integers. It favours obviousness over
 * speed. Tensors hold their elements in storage form (see ir.h).
 */
#ifndef QONNXC_INTERP_H
#define QONNXC_INTERP_H

#include "../ir.h"

struct ir_tensor {
	struct ir_type type;
	void *data; /* ir_type_numel(&type) elements in storage form */
};

/* A kernel computes op's results. in[k] is NULL for an absent optional operand;
 * out[k] already has the result type from the IR and zeroed storage (NULL for
 * an unused optional result slot never happens: every result gets storage).
 * scratch is for temporary buffers. Returns 0, or -1 after ir_op_error for an
 * error only visible at run time (e.g. a Gather index out of range). */
typedef int (*interp_kernel)(struct ir_module *m, const struct ir_op *op,
			     const struct ir_tensor *const *in,
			     struct ir_tensor *const *out, struct arena *scratch);
extern const interp_kernel interp_kernels[IR_OP_COUNT];

/* Runs the whole module once. inputs[i] must have exactly the type of graph
 * input i. outputs[i] receive the graph outputs, with data allocated from a.
 * Intermediate tensors are released after their last use. 0 or -1 (m->error). */
int interp_run(struct ir_module *m, const struct ir_tensor *inputs,
	       struct ir_tensor *outputs, struct arena *a);

/* Runs one op on given operand tensors; out[k] are allocated from a with the
 * op's result types. Used by ir_known_data and by tests of single kernels. */
int interp_eval_op(struct ir_module *m, const struct ir_op *op,
		   const struct ir_tensor *const *in, struct ir_tensor *out,
		   struct arena *a);

/* Conversion helpers between storage forms. */
double ir_tensor_get(const struct ir_tensor *t, int64_t i);          /* as double */
void ir_tensor_set(struct ir_tensor *t, int64_t i, double v);        /* from double, converted to t's element type (ints: truncation toward zero, then wrapped to the width) */

#endif
