/* shape.h: per-op shape and type inference.
 *
 * ir_shape_fns[code] computes the types of an op's results from its operands'
 * types (and, for operands such as Reshape's shape, their compile-time values
 * through ir_known_data), and sets them with ir_set_result_type. Operand and
 * result counts are checked against ir_opinfo before it is called. It reports
 * bad input with ir_op_error and returns -1; 0 on success.
 */
#ifndef QONNXC_SHAPE_H
#define QONNXC_SHAPE_H

#include "../ir.h"

typedef int (*ir_shape_fn)(struct ir_module *m, struct ir_op *op);
extern const ir_shape_fn ir_shape_fns[IR_OP_COUNT];

#endif
