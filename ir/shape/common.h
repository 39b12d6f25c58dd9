/* common.h: what the shape functions of ir/shape/ share.
 *
 * Every shape function starts with shape_begin (operand dims in range, float
 * operand for OPF_FLOAT ops) and ends with shape_set, so that dimension
 * arithmetic in between works on int64 values no larger than SHAPE_MAX_DIM and
 * cannot overflow as long as it multiplies through shape_mul. Every function
 * here reports bad input with ir_op_error and returns -1, or returns 0.
 *
 * Compile-time operands (Reshape's shape, Slice's starts...) are read through
 * ir_known_data; integer operands are in storage form (int64_t), whatever
 * their width.
 */
#ifndef QONNXC_SHAPE_COMMON_H
#define QONNXC_SHAPE_COMMON_H

#include "shape.h"

/* Largest dimension accepted anywhere (2^40): products of two such dims and
 * sums of a few of them stay far from int64 overflow. */
#define SHAPE_MAX_DIM ((int64_t)1 << 40)

/* ---- common.c ---------------------------------------------------------- */

/* Checks every present operand's dims against SHAPE_MAX_DIM, and that operand
 * 0 is f32 or f64 when the op is flagged OPF_FLOAT. */
int shape_begin(struct ir_module *m, const struct ir_op *op);
/* Checks t's dims against SHAPE_MAX_DIM, then ir_set_result_type. */
int shape_set(struct ir_module *m, struct ir_op *op, int k, const struct ir_type *t);
/* *out = a * b for dims a, b >= 0, or an error when over SHAPE_MAX_DIM. */
int shape_mul(struct ir_module *m, const struct ir_op *op, int64_t a, int64_t b, int64_t *out);
/* Product of dims[from..to) into *out: 0 when any of them is 0, else checked
 * against SHAPE_MAX_DIM. */
int shape_numel(struct ir_module *m, const struct ir_op *op, const int64_t *dims, int from,
		int to, int64_t *out);
/* Checks that a dim computed for the result is within 0..SHAPE_MAX_DIM. */
int shape_check_dim(struct ir_module *m, const struct ir_op *op, const char *what, int64_t d);

/* Normalizes axis from [-rank, rank-1] into *out. */
int shape_axis(struct ir_module *m, const struct ir_op *op, const char *what, int64_t axis,
	       int rank, int *out);
/* The op's axis attribute (def when absent), normalized for rank. */
int shape_attr_axis(struct ir_module *m, const struct ir_op *op, int64_t def, int rank, int *out);
/* Normalizes n axes (n <= IR_MAX_RANK) into out[], rejecting duplicates. */
int shape_axes(struct ir_module *m, const struct ir_op *op, const char *what,
	       const int64_t *axes, int n, int rank, int *out);

/* Element type predicates. */
bool shape_is_float(const struct ir_type *t);
bool shape_is_index(const struct ir_type *t); /* signed int32 or int64 */
bool shape_is_numeric(const struct ir_type *t); /* anything but bool */
/* Turns t's element type into bool, keeping its dims. */
void shape_make_bool(struct ir_type *t);
/* Requires operands a and b (both present) to have the same element type. */
int shape_same_elem(struct ir_module *m, const struct ir_op *op, int a, int b);

/* Compile-time data of operand k, or -1: "WHAT is missing", the evaluation
 * error ir_known_data recorded, or "WHAT must be a constant". */
int shape_known(struct ir_module *m, const struct ir_op *op, int k, const char *what,
		const void **data);
/* Operand k as a list of at most max integers: a signed int32/int64 tensor of
 * rank 0 or 1, known at compile time. */
int shape_known_ints(struct ir_module *m, const struct ir_op *op, int k, const char *what,
		     int max, const int64_t **values, int *n);
/* Writes dims as "[a,b,c]" into buf; returns buf. */
char *shape_dims_str(const int64_t *dims, int n, char *buf, size_t len);
/* Element i of data (storage form of type t) as a double. */
double shape_elem(const struct ir_type *t, const void *data, int64_t i);

/* Integer attribute name (def when absent); any other kind is an error, so a
 * FLOAT attribute never goes through an out-of-range conversion. */
int shape_attr_int(struct ir_module *m, const struct ir_op *op, const char *name, int64_t def,
		   int64_t *out);
/* The ints attribute name in *values and *n, or NULL and 0 when absent; an
 * attribute of another kind is an error. */
int shape_attr_list(struct ir_module *m, const struct ir_op *op, const char *name,
		    const int64_t **values, int *n);
/* The attribute name as a list of exactly n values (default def when absent),
 * each within lo..hi; n <= IR_MAX_RANK * 2. */
int shape_attr_ints(struct ir_module *m, const struct ir_op *op, const char *name, int n,
		    int64_t def, int64_t lo, int64_t hi, int64_t *out);
/* Returns the index of the op's string attribute name in choices (a NULL-
 * terminated list), 0 (the default) when absent, or -1 after an error. */
int shape_attr_choice(struct ir_module *m, const struct ir_op *op, const char *name,
		      const char *const *choices);
/* Integer attribute restricted to 0 or 1. */
int shape_attr_flag(struct ir_module *m, const struct ir_op *op, const char *name, int def,
		    int *out);

/* ---- broadcast.c ------------------------------------------------------- */

/* Multidirectional (numpy) broadcast of a and b's dims into out's rank and
 * dims; out's element type is left alone. */
int shape_broadcast(struct ir_module *m, const struct ir_op *op, const struct ir_type *a,
		    const struct ir_type *b, struct ir_type *out);
/* Unidirectional: operand k must broadcast to target's shape without changing
 * it ("WHAT [a,b] cannot be broadcast to [c,d]"). */
int shape_broadcast_to(struct ir_module *m, const struct ir_op *op, int k, const char *what,
		       const struct ir_type *target);
/* Offset into a tensor of type in of flat index i of out, where in broadcasts
 * to out; only for i < numel(out), so no dim of out is 0. */
int64_t shape_broadcast_offset(const struct ir_type *out, const struct ir_type *in, int64_t i);

/* ---- window.c (Conv, ConvTranspose, pools) ----------------------------- */

/* Where channels and spatial dims are in a tensor of rank r for layout. */
int shape_channel_axis(const struct ir_op *op, int rank);
int shape_first_spatial(const struct ir_op *op);

enum shape_auto_pad { SHAPE_NOTSET, SHAPE_SAME_UPPER, SHAPE_SAME_LOWER, SHAPE_VALID };

/* A sliding window over n spatial dims, read from the op's attributes. */
struct shape_window {
	int n;
	enum shape_auto_pad auto_pad;
	int64_t kernel[IR_MAX_RANK];
	int64_t strides[IR_MAX_RANK];
	int64_t dilations[IR_MAX_RANK];
	int64_t pads[2 * IR_MAX_RANK]; /* begins, then ends; zeros unless NOTSET */
	bool ceil_mode;
};

/* Reads auto_pad, strides, dilations and pads for n spatial dims into w;
 * w->kernel must already hold the kernel sizes (checked >= 1 here). */
int shape_window_read(struct ir_module *m, const struct ir_op *op, int n, struct shape_window *w);
/* Output size along spatial dim i of a window sliding over in elements. */
int shape_window_out(struct ir_module *m, const struct ir_op *op, const struct shape_window *w,
		     int i, int64_t in, int64_t *out);

/* ---- the shape functions, by file, for table.c ------------------------ */

int shape_elementwise(struct ir_module *m, struct ir_op *op); /* elementwise.c */
int shape_prelu(struct ir_module *m, struct ir_op *op);
int shape_clip(struct ir_module *m, struct ir_op *op);
int shape_identity(struct ir_module *m, struct ir_op *op);
int shape_dropout(struct ir_module *m, struct ir_op *op);
int shape_cast(struct ir_module *m, struct ir_op *op);        /* cast.c */
int shape_int_quant(struct ir_module *m, struct ir_op *op);   /* quant.c */
int shape_bipolar_quant(struct ir_module *m, struct ir_op *op);
int shape_trunc(struct ir_module *m, struct ir_op *op);
int shape_quantize(struct ir_module *m, struct ir_op *op);      /* qdq.c */
int shape_dequantize(struct ir_module *m, struct ir_op *op);
int shape_multi_threshold(struct ir_module *m, struct ir_op *op);
int shape_requantize(struct ir_module *m, struct ir_op *op);
int shape_matmul(struct ir_module *m, struct ir_op *op);      /* linalg.c */
int shape_gemm(struct ir_module *m, struct ir_op *op);
int shape_conv(struct ir_module *m, struct ir_op *op);        /* conv.c */
int shape_conv_transpose(struct ir_module *m, struct ir_op *op);
int shape_pool(struct ir_module *m, struct ir_op *op);        /* pool.c */
int shape_global_pool(struct ir_module *m, struct ir_op *op);
int shape_batch_norm(struct ir_module *m, struct ir_op *op);  /* norm.c */
int shape_instance_norm(struct ir_module *m, struct ir_op *op);
int shape_softmax(struct ir_module *m, struct ir_op *op);
int shape_reduce(struct ir_module *m, struct ir_op *op);      /* reduce.c */
int shape_flatten(struct ir_module *m, struct ir_op *op);     /* reshape.c */
int shape_reshape(struct ir_module *m, struct ir_op *op);
int shape_transpose(struct ir_module *m, struct ir_op *op);
int shape_squeeze(struct ir_module *m, struct ir_op *op);
int shape_unsqueeze(struct ir_module *m, struct ir_op *op);
int shape_concat(struct ir_module *m, struct ir_op *op);      /* slice.c */
int shape_split(struct ir_module *m, struct ir_op *op);
int shape_slice(struct ir_module *m, struct ir_op *op);
int shape_gather(struct ir_module *m, struct ir_op *op);
int shape_shape(struct ir_module *m, struct ir_op *op);       /* expand.c */
int shape_expand(struct ir_module *m, struct ir_op *op);
int shape_tile(struct ir_module *m, struct ir_op *op);
int shape_pad(struct ir_module *m, struct ir_op *op);
int shape_resize(struct ir_module *m, struct ir_op *op);      /* resize.c */
int shape_depth_to_space(struct ir_module *m, struct ir_op *op);
int shape_space_to_depth(struct ir_module *m, struct ir_op *op);

#endif
