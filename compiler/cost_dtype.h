/* cost_dtype.h: QONNX datatypes of a model's tensors, inferred the way qonnx
 * infers them for its inference-cost analysis (`qonnxc cost`, cost.c).
 *
 * qonnx names a tensor's datatype INT2, UINT4, BIPOLAR, BINARY,
 * SCALEDINT<8>, FLOAT32, INT32, ... ; the cost report's keys are built from
 * these names (op_mac_INT8_INT2, mem_w_INT2) and their bit widths weigh the
 * bit operations. Its preprocessing infers datatypes once, folds every node
 * whose inputs are all constant into a constant, and infers again; a folded
 * tensor keeps the datatype of the first round. cost_dtypes reproduces both
 * rounds on the imported IR.
 */
#ifndef QONNXC_COST_DTYPE_H
#define QONNXC_COST_DTYPE_H

#include "ir/ir.h"

#include <stdbool.h>
#include <stddef.h>

enum cost_dtype_kind {
	COST_FLOAT32,
	COST_INT,      /* INTn */
	COST_UINT,     /* UINTn */
	COST_BIPOLAR,  /* {-1, +1} */
	COST_BINARY,   /* {0, 1} */
	COST_SCALEDINT, /* SCALEDINT<n>: an integer times a scale */
};

struct cost_dtype {
	enum cost_dtype_kind kind;
	int bits; /* INT, UINT, SCALEDINT; 32 for FLOAT32, 1 for BIPOLAR and BINARY */
};

/* qonnx's name of the datatype ("INT2", "SCALEDINT<8>"); returns buf. */
const char *cost_dtype_name(struct cost_dtype d, char *buf, size_t len);
/* The datatype a qonnx name stands for; false for a name outside the
 * families above (the model's annotation is then ignored). */
bool cost_dtype_parse(const char *name, struct cost_dtype *out);

/* What the analysis knows about a module's values, indexed by value. */
struct cost_facts {
	struct cost_dtype *dtype; /* datatype after both rounds of inference */
	bool *folded;             /* a constant, or computed from constants only */
};

/* The op type qonnx sees for op: the type written in the model, or the IR's
 * name for ops the importer created. */
const char *cost_op_type(const struct ir_op *op);

/* Infers every value's datatype. Annotations (finn_datatype in the model's
 * quantization_annotation, read from model_path) give the starting datatype
 * of the tensors they name; model_path may be NULL. 0, or -1 with a message
 * in err; the arrays are malloc'd (cost_facts_free). */
int cost_facts_compute(struct ir_module *m, const char *model_path, struct cost_facts *f,
		       char *err, size_t errlen);
void cost_facts_free(struct cost_facts *f);

#endif
