/* k_dot.h: integer dot products vectorized over output channels, the inner
 * kernel of the integer MatMul and channels-last Conv (k_dot.c).
 *
 * The shape: T weight matrices ("taps") of K rows (the reduction) by N
 * columns (outputs), known at compile time, and activations of at most 8
 * bits, stored one per byte, read K at a time from contiguous memory. An
 * accumulator holds N i32 sums in vectors of `lanes` outputs; one call of
 * kd_accumulate adds x[0..K) times tap t's matrix to it. Integer sums are
 * exact here (products and sums of values of at most 8 bits stay far from
 * 2^31 for the K of real layers, checked at planning), so any order of
 * summation gives the interpreter's result.
 *
 * Variants (chosen from the target's features, see kd_plan):
 *   vnni512  AVX-512 VNNI vpdpbusd on 16 outputs x 4 reduction steps per
 *            instruction; weights packed [t][K/4][N/16][16][4] as i8
 *   vnni256  AVX-VNNI (or AVX-512 VNNI with VL) on 8 outputs
 *   vector   portable LLVM vectors of 8 i32, one reduction step at a time;
 *            weights packed [t][K][N'] as i8
 *   nibbles  vnni on one tap with every weight in [-8, 7] and a table too
 *            large for the first-level cache: row groups 2r and 2r + 1
 *            share a byte, weight + 8 in each half (k_dot_nibble.c)
 * vpdpbusd multiplies unsigned by signed bytes: signed activations are
 * offset by 2^(bits-1) into unsigned ones, and the accumulators start at
 * -offset * (column sums of the weights) to cancel it (plus the bias).
 */
#ifndef QONNXC_BACKENDS_LLVM_K_DOT_H
#define QONNXC_BACKENDS_LLVM_K_DOT_H

#include "k_linalg.h"

struct cg_epilogue;

enum kd_mode { KD_VECTOR, KD_VNNI256, KD_VNNI512 };

struct kd {
	enum kd_mode mode;
	int lanes;               /* outputs per vector */
	int64_t taps, k, n;
	int64_t nb, kg;          /* vectors of outputs; reduction steps per weight row group */
	int64_t xoff;            /* added to activations (vnni): 0 or 2^(bits-1) */
	int64_t sets;            /* independent accumulator sets (see kd_acc_begin) */
	bool nibbles;            /* weights two per byte (vnni, one tap; see k_dot_nibble.c) */
	const struct cg_epilogue *epi; /* set by the caller: kd_store stores the
				        * MultiThreshold of the sums instead */
	int64_t pairs;           /* row group pairs, (kg + 1) / 2 */
	LLVMTypeRef vty;         /* <lanes x i32> */
	LLVMValueRef wtab;       /* the packed weights */
	LLVMValueRef init;       /* i32 [nb * lanes]: the accumulators' start */
	const struct ir_type *xt;
};

/* Weight (tap t, reduction index k, output o) from compile-time data. */
typedef int64_t kd_weight_fn(const void *ctx, int64_t t, int64_t k, int64_t o);

/* Plans d for activations of type xt: 0 when the kernel applies, else 1
 * with *why saying why not (nothing reported); -1 after an error. bias:
 * N known integers added to the sums, or NULL. */
int kd_plan(struct cg *g, struct kd *d, const struct ir_type *xt, int64_t taps, int64_t k,
	    int64_t n, kd_weight_fn *w, const void *ctx, const int64_t *bias, const char **why);
/* The accumulators: a stack array of `sets` sets of nb vectors, the first
 * set to their start, the others to 0. Consecutive reduction steps go to
 * different sets, so the multiply-adds of one step do not wait for the
 * previous step's (vpdpbusd's latency is several cycles); kd_store adds
 * the sets up. */
LLVMValueRef kd_acc_begin(struct cg *g, const struct kd *d);
/* acc += x[0..K) * W[tap]; x points to K activations (bytes). */
void kd_accumulate(struct cg *g, const struct kd *d, LLVMValueRef acc, LLVMValueRef x,
		   LLVMValueRef tap);
/* A block of npos output positions sharing each weight load: one
 * accumulator set per position, [npos][nb] vectors, each starting at the
 * bias. kd_block_size is the positions per block that keeps the
 * accumulators in registers (1: blocks do not pay, or the mode has none).
 * kd_block_accumulate adds x[p][0..K) * W[tap] to position p's sums for
 * every p < npos; kd_block_store stores position p's like kd_store. */
#define KD_BLOCK_ACCS 24
#define KD_BLOCK_MAX 8
int kd_block_size(const struct kd *d);
LLVMValueRef kd_block_begin(struct cg *g, const struct kd *d, int npos);
void kd_block_accumulate(struct cg *g, const struct kd *d, LLVMValueRef acc, LLVMValueRef const *x,
			 int npos, LLVMValueRef tap);
void kd_block_store(struct cg *g, const struct kd *d, LLVMValueRef acc, int p, int y, LLVMValueRef y0,
		    int64_t stride);
/* Stores the N sums, converted from i32 to the register type of yt, as
 * elements y0 + o * stride of IR value y; with d->epi (stride 1), their
 * MultiThreshold as the same elements of its result instead. */
void kd_store(struct cg *g, const struct kd *d, LLVMValueRef acc, int y, LLVMValueRef y0,
	      int64_t stride);
/* A vector of `lanes` i32 converted as cg_convert converts each signed i32
 * to integer type yt: truncated or extended to yt's container, then
 * wrapped to its bits; ready to store as yt. */
LLVMValueRef kd_convert_i32_vec(struct cg *g, LLVMValueRef v, int lanes, const struct ir_type *yt);
/* Whether g's target has a vector unit the kernel uses. */
bool kd_has_vector_unit(struct cg *g);
/* Its name, for -v. */
const char *kd_mode_name(enum kd_mode m);
/* With -v: one line naming op's kernel variant and why it was chosen. */
void kd_note(struct cg *g, const struct ir_op *op, const char *variant, const char *why);

#endif
