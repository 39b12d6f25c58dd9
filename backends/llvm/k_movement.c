/* k_movement.c: LLVM kernels of the movement family (see kernels.h). */
#include "kernels.h"

void cg_register_movement(cg_kernel **table)
{
	(void)table;
}
