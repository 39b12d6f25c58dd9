/* k_resize.h: what the two halves of the Resize kernel share: its
 * attributes and per-axis scales (struct resize), and the per-axis
 * neighbour tables (struct axis_plan) that k_resize_taps.c computes at
 * compile time and k_resize.c turns into code.
 */
#ifndef QONNXC_BACKENDS_LLVM_K_RESIZE_H
#define QONNXC_BACKENDS_LLVM_K_RESIZE_H

#include "k_movement.h"

enum resize_mode { MODE_NEAREST, MODE_LINEAR, MODE_CUBIC };
enum coord_mode {
	CT_HALF_PIXEL, CT_HALF_PIXEL_SYMMETRIC, CT_PYTORCH_HALF_PIXEL, CT_ALIGN_CORNERS,
	CT_ASYMMETRIC, CT_TF_HALF_PIXEL_FOR_NEAREST, CT_TF_CROP_AND_RESIZE,
};
enum nearest_mode { NN_ROUND_PREFER_FLOOR, NN_ROUND_PREFER_CEIL, NN_FLOOR, NN_CEIL };
enum aspect { ASPECT_STRETCH, ASPECT_NOT_LARGER, ASPECT_NOT_SMALLER };

/* Most combinations of neighbours summed per result element. */
#define MAX_COMBOS 4096

struct resize {
	enum resize_mode mode;
	enum coord_mode coord;
	enum nearest_mode nearest;
	enum aspect aspect;
	float cubic_a;
	bool exclude_outside;
	double extrapolation;
	float scale[IR_MAX_RANK];
	float roi_start[IR_MAX_RANK], roi_end[IR_MAX_RANK];
};

/* One axis: for each result coordinate o, ntaps input offsets (index times
 * the axis's stride) and weights, and whether o lies outside the input
 * (tf_crop_and_resize: extrapolation_value). */
struct axis_plan {
	int ntaps;
	int64_t *off[4];
	double *w[4];
	int64_t *outside; /* NULL when no coordinate is outside */
	LLVMValueRef off_table[4], w_table[4], outside_table;
};

/* Reads the attributes and the scales (from scales or sizes, with roi for
 * tf_crop_and_resize; all must be known at compile time) of op, whose
 * input has type x; -1 after an error. */
int mv_resize_read(struct cg *g, const struct ir_op *op, const struct ir_type *x,
		   struct resize *r);
/* Fills the plan of axis a (input stride xs) over out result coordinates,
 * from an input of in elements; tables come from arena. */
void mv_resize_plan_axis(struct arena *arena, const struct resize *r, int a, int64_t out,
			 int64_t in, int64_t xs, struct axis_plan *p);

#endif
