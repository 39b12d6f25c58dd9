/* kernels.c: builds the opcode -> kernel table from the family files and
 * dispatches an op to its kernel. */
#include "kernels.h"

static cg_kernel *table[IR_OP_COUNT];
static bool filled;

static void fill(void)
{
	cg_register_elementwise(table);
	cg_register_quant(table);
	cg_register_linalg(table);
	cg_register_pool(table);
	cg_register_movement(table);
	filled = true;
}

cg_kernel *cg_kernel_for(enum ir_opcode code)
{
	if (!filled)
		fill();
	return code >= 0 && code < IR_OP_COUNT ? table[code] : NULL;
}

int cg_emit_op(struct cg *g, const struct ir_op *op)
{
	cg_kernel *k = cg_kernel_for(op->code);
	if (!k)
		return ir_op_error(g->m, op, "not supported by the LLVM backend yet");
	return k(g, op);
}
