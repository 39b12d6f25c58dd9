/* k_linalg.h: what the linear-algebra, window and reduction kernel files
 * share (k_linalg.c, k_conv.c, k_pool*.c, k_reduce.c, k_softmax.c,
 * k_norm.c, with their helpers in k_accum.c and k_window.c).
 *
 * Accumulators reproduce the interpreter's arithmetic (ir/interp/
 * kernel_util.h): sums of float products in double, rounded once when
 * stored; integer sums in i32 when the result has at most 32 bits, else in
 * i64, wrapping (the interpreter wraps in 64 bits, which agrees modulo
 * 2^32 and hence on every result of at most 32 bits).
 *
 * Tables: a kernel may copy the compile-time elements of an operand (a
 * weight) into a private constant global, reordered for its loops and in
 * the operand's register type, instead of reading the operand through
 * cg_load (which unpacks bit-packed constants element by element).
 *
 * Windows: Conv, ConvTranspose and the pools take their geometry from the
 * interpreter's window.c (so both agree on pads, auto_pad and strides) and
 * walk the taps of one output position with kl_taps_begin / kl_taps_end.
 */
#ifndef QONNXC_BACKENDS_LLVM_K_LINALG_H
#define QONNXC_BACKENDS_LLVM_K_LINALG_H

#include "kernels.h"
#include "ir/interp/window.h"

/* ---- accumulators (k_accum.c) ---------------------------------------- */

enum kl_kind { KL_F32, KL_F64, KL_INT };

struct kl_acc {
	enum kl_kind kind;
	LLVMTypeRef ty;    /* double, i32 or i64; float when fma */
	struct ir_type it; /* the same as an IR type (f64, or signed i32/i64), rank 0 */
	bool fma;          /* KL_F32 summed in float32 fused multiply-adds */
};

/* The accumulator for a result of type t; false for bool. */
bool kl_acc_for(struct cg *g, const struct ir_type *t, struct kl_acc *a);
/* Switches a KL_F32 accumulator to float32 fused multiply-adds when op is
 * marked IR_SUMS_F32_FMA (ir/ir.h). */
void kl_acc_sums(struct cg *g, const struct ir_op *op, struct kl_acc *a);
/* acc + x * y: llvm.fma for an fma accumulator, else a product then a sum. */
LLVMValueRef kl_muladd(struct cg *g, const struct kl_acc *a, LLVMValueRef acc, LLVMValueRef x,
		       LLVMValueRef y);
/* True when t has the accumulation kind of a (f32, f64, or any integer). */
bool kl_acc_fits(const struct kl_acc *a, const struct ir_type *t);
/* x, a register value of type t (of a's kind), in a's type. */
LLVMValueRef kl_acc_in(struct cg *g, const struct kl_acc *a, LLVMValueRef x,
		       const struct ir_type *t);
/* v in a's type converted to the register type of t (rounded or wrapped). */
LLVMValueRef kl_acc_out(struct cg *g, const struct kl_acc *a, LLVMValueRef v,
			const struct ir_type *t);
LLVMValueRef kl_acc_zero(const struct kl_acc *a);
LLVMValueRef kl_add(struct cg *g, const struct kl_acc *a, LLVMValueRef x, LLVMValueRef y);
LLVMValueRef kl_mul(struct cg *g, const struct kl_acc *a, LLVMValueRef x, LLVMValueRef y);

/* ---- buffers and tables (k_accum.c) ----------------------------------- */

/* A stack array of n elements of ty, live from here to kl_buf_end (lifetime
 * markers, so the stack slots of successive ops can share memory). */
struct kl_buf {
	LLVMValueRef ptr;
	LLVMTypeRef ty;
	int64_t n;
};
void kl_buf_begin(struct cg *g, struct kl_buf *b, LLVMTypeRef ty, int64_t n, const char *name);
void kl_buf_end(struct cg *g, struct kl_buf *b);
LLVMValueRef kl_buf_load(struct cg *g, const struct kl_buf *b, LLVMValueRef i);
void kl_buf_store(struct cg *g, const struct kl_buf *b, LLVMValueRef i, LLVMValueRef x);

/* A constant table of the compile-time elements of IR value v:
 * element j is v's element src[j] (src NULL: element j), n elements, in v's
 * register type. */
struct kl_table {
	LLVMValueRef ptr;
	LLVMTypeRef ty;
};
/* 0, or -1 when v's elements are not known (nothing reported) or v is bool. */
int kl_table_make(struct cg *g, struct kl_table *t, int v, int64_t n, const int64_t *src,
		  const char *name);
LLVMValueRef kl_table_load(struct cg *g, const struct kl_table *t, LLVMValueRef i);

/* ---- loops ------------------------------------------------------------ */

/* cg_loop over [0, n), except that for n == 1 no loop is emitted and the
 * index is the constant 0. */
struct kl_for {
	bool real;
	struct cg_loop l;
};
LLVMValueRef kl_for_begin(struct cg *g, struct kl_for *f, int64_t n, const char *name);
void kl_for_end(struct cg *g, struct kl_for *f);

/* i64 arithmetic on index values, folding constants. */
LLVMValueRef kl_imul(struct cg *g, LLVMValueRef x, int64_t c);
LLVMValueRef kl_iadd(struct cg *g, LLVMValueRef x, LLVMValueRef y);
LLVMValueRef kl_iaddc(struct cg *g, LLVMValueRef x, int64_t c);

/* ---- windows (k_window.c) --------------------------------------------- */

/* The geometry of a Conv / ConvTranspose / pool: the window over the
 * spatial dims and the element strides of the activations' batch and
 * channel dims for the op's layout. */
struct kl_geom {
	struct window w;
	bool transposed;
	int64_t batch, cin, cout; /* channels of X and Y */
	int64_t x_n, x_c, y_n, y_c, y_sp[IR_MAX_RANK];
};

/* Fills the activations' part of k (all but the kernel sizes), checking
 * x and y have the same rank >= 3 and batch size. */
int kl_geom_activations(struct cg *g, const struct ir_op *op, const struct ir_type *x,
			const struct ir_type *y, struct kl_geom *k);

/* The taps of one output position: loops over the kernel dims with the
 * input coordinate checked per dim, so the body runs for the taps inside
 * the input (bound KL_INSIDE) or inside the input and its end padding
 * (KL_PADDED, for count_include_pad). In the body, k is the tap's row-major
 * kernel position and off the input's spatial offset (meaningful for
 * KL_INSIDE only), coord[d] its coordinate in dim d. */
enum kl_bound { KL_INSIDE, KL_PADDED };
struct kl_taps {
	int n;
	struct cg_loop loop[IR_MAX_RANK];
	struct cg_if inside[IR_MAX_RANK];
	LLVMValueRef k, off;
	LLVMValueRef coord[IR_MAX_RANK]; /* the input coordinate of each spatial dim */
};
/* opos: the output position, one i64 per spatial dim. */
void kl_taps_begin(struct cg *g, struct kl_taps *t, const struct kl_geom *k,
		   LLVMValueRef const *opos, enum kl_bound bound);
void kl_taps_end(struct cg *g, struct kl_taps *t);

/* The spatial offset of output position opos in Y. */
LLVMValueRef kl_out_offset(struct cg *g, const struct kl_geom *k, LLVMValueRef const *opos);

/* True when op's result k is read by some op or is a graph output. */
bool kl_result_used(struct cg *g, const struct ir_op *op, int k);

/* ---- kernels of the other files --------------------------------------- */

int kl_conv(struct cg *g, const struct ir_op *op);            /* k_conv.c */
/* A Conv as k_conv.c has read it, for its variants: the weight of output
 * channel o (in group 0), input channel icl and tap k is element
 * o * w_o + icl * w_i + k * w_k of W. */
struct cg_float_epilogue;
struct kl_conv_desc {
	const struct kl_geom *k;
	int x, w, bias, y;       /* bias IR_NONE when absent */
	int64_t group, w_o, w_i, w_k;
	/* the ops applied before storing (float_epilogue.h; float Convs only),
	 * whose last result is stored instead of y */
	const struct cg_float_epilogue *fe;
};
/* The channels-last f32 Conv vectorized over output channels
 * (k_conv_vec.c): 0 emitted, 1 not applicable (noted with -v), -1 error. */
int kl_conv_float_vec(struct cg *g, const struct ir_op *op, const struct kl_conv_desc *c);
/* The channels-last integer Conv on the dot-product kernel (k_conv_dot.c):
 * 0 emitted, 1 not applicable (noted with -v), -1 error. */
int kl_conv_int_dot(struct cg *g, const struct ir_op *op, const struct kl_conv_desc *c);
/* An integer MatMul Y [M, N] = A [M, K] @ B [K, N] with A row-major and B
 * known (element k * b_row + j * b_col of bdata), for k_xnor.c. */
struct kl_xnor_desc {
	int a, b, y;
	int64_t m, n, k, b_row, b_col;
	const int64_t *bdata;
};
/* The MatMul of bipolar A and B by XNOR and popcount: 0 emitted, 1 not
 * applicable (nothing emitted), -1 after an error. */
int kl_matmul_xnor(struct cg *g, const struct ir_op *op, const struct kl_xnor_desc *d);
/* A MatMul Y [M, N] = A [M, K] @ B [K, N], row-major, for k_matmul_vec.c. */
struct kl_mm_desc {
	int a, b, y;
	int64_t m, n, k;
};
/* The float MatMul in vector form: 0 emitted, 1 not applicable (nothing
 * emitted), -1 after an error. */
int kl_matmul_float_vec(struct cg *g, const struct ir_op *op, const struct kl_mm_desc *d);
int kl_conv_transpose(struct cg *g, const struct ir_op *op);
void kl_register_reduce(cg_kernel **table);                   /* k_reduce.c */
void kl_register_softmax(cg_kernel **table);                  /* k_softmax.c */
void kl_register_norm(cg_kernel **table);                     /* k_norm.c */
/* A BatchNormalization's scale and shift of each channel, in X's type, into
 * s and b (of at least C elements), as its kernel computes them; -1 after
 * an error. */
int kl_batchnorm_rows(struct cg *g, const struct ir_op *op, const struct kl_buf *s,
		      const struct kl_buf *b);

#endif
