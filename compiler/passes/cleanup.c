/* cleanup.c: the cleanup pass, qonnx's cleanup with GemmToMatMul and
 * BatchNormToAffine, and more.
 *
 * Runs its rules (cleanup.h, one file each) in rounds until a round changes
 * nothing: constant folding, no-op removal, Gemm to MatMul, BatchNormalization
 * to Mul and Add, merging of constant Mul/Add chains, folding of those into
 * constant MatMul and Conv weights. Each round ends by restoring program order
 * (ir_toposort), removing dead ops, and dropping unused constants and orphan
 * values (ir_prune).
 *
 * Requires: a verified module. Guarantees: a verified module with the same
 * graph inputs and outputs, each keeping its name (a constant graph output is
 * possible when the whole graph folds); value names that existed stay those
 * of the values they named, new values have names derived from them; no op
 * left whose operands are all constants (except QONNX quantizers, kept for
 * the integer lowering, and ops the size rule or the interpreter leaves); no
 * unused op or constant. Invalidates: op and value indices (the module is
 * compacted), use lists are rebuilt.
 */
#include "cleanup.h"
#include "passes.h"

/* A bound on rounds, far above what any graph needs (each round strictly
 * shrinks or canonicalizes the graph), against a rule cycle. */
enum { MAX_ROUNDS = 1000 };

static int (*const rules[])(struct ir_module *m) = {
	cleanup_fold_constants,
	cleanup_remove_noops,
	cleanup_gemm_to_matmul,
	cleanup_batchnorm_to_affine,
	cleanup_fold_affine,
	cleanup_fold_into_weights,
};

/* One round of every rule; the number of changes, or -1. */
static int round_of_rules(struct ir_module *m)
{
	int changes = 0;
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
		int n = rules[i](m);
		if (n < 0)
			return -1;
		changes += n;
	}
	if (ir_toposort(m) < 0)
		return -1;
	int dead = cleanup_dead_code(m);
	ir_prune(m);
	return changes + dead;
}

int pass_cleanup(struct ir_module *m)
{
	ir_rebuild_uses(m);
	for (int round = 0; round < MAX_ROUNDS; round++) {
		int n = round_of_rules(m);
		if (n <= 0)
			return n;
	}
	return 0;
}
