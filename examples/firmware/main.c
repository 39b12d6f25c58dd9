/* main.c: the example firmware's program. It runs a model compiled by
 * qonnxc (--name=model: model.o and model.h) on the input vectors compiled
 * into it (inputs.h, written by make_inputs.py), through both entry points,
 * prints every output and the stack the calls used, and returns 0.
 *
 * The same file builds for the bare-metal boards (startup.c, firmware.ld,
 * newlib with semihosting), for Linux on AArch64 and for the host; the
 * tests compare what the builds print. Assumes one input and one output.
 *
 *   model_run     float in, float out
 *   model_run_q   the quantized input as integers (quantized here with the
 *                 run-time library's qrt_quantize, as the model's own input
 *                 quantizer would), the quantized output as integers
 *
 * Stack use: before each call the stack below the current stack pointer is
 * painted with a pattern; after it, the lowest word no longer holding the
 * pattern tells how deep the call went. On the boards the painted region is
 * the whole stack (__stack_bottom, firmware.ld); under Linux a window of
 * STACK_WINDOW bytes below the stack pointer.
 */
#include <stdint.h>
#include <stdio.h>

#include "inputs.h"
#include "model.h"
#include "qonnx_runtime.h"

#if MODEL_NUM_INPUTS != 1 || MODEL_NUM_OUTPUTS != 1
#error "this example runs models with one input and one output"
#endif

#define PAINT 0xC5A5C5A5u
#define STACK_WINDOW (64 * 1024)

static _Alignas(MODEL_WORKSPACE_ALIGN) unsigned char
	workspace[MODEL_WORKSPACE_SIZE > 0 ? MODEL_WORKSPACE_SIZE : 1];
static float out_f[MODEL_OUT0_SIZE];
#if MODEL_IN0_QUANTIZED
static MODEL_IN0_QTYPE in_q[MODEL_IN0_SIZE];
#endif
#if MODEL_OUT0_QUANTIZED
static MODEL_OUT0_QTYPE out_q[MODEL_OUT0_SIZE];
#else
static float out_q[MODEL_OUT0_SIZE];
#endif

#if defined(__arm__) || defined(__aarch64__)
#define READ_SP(sp) __asm__ volatile("mov %0, sp" : "=r"(sp))
#elif defined(__x86_64__)
#define READ_SP(sp) __asm__ volatile("mov %%rsp, %0" : "=r"(sp))
#else
#define READ_SP(sp) ((sp) = (uintptr_t)__builtin_frame_address(0))
#endif

#ifdef __linux__
static uintptr_t stack_low(uintptr_t sp)
{
	return sp - STACK_WINDOW;
}
#else
extern uint32_t __stack_bottom[];
static uintptr_t stack_low(uintptr_t sp)
{
	(void)sp;
	return (uintptr_t)__stack_bottom;
}
#endif

/* Paints from just below the caller's stack pointer down to the bottom
 * (top down, so that Linux grows the stack one page at a time). Inlined:
 * a call would put its own frame where the paint goes. */
#define PAINT_STACK(sp)                                                           \
	do {                                                                      \
		READ_SP(sp);                                                      \
		for (volatile uint32_t *p_ = (volatile uint32_t *)((sp) - 32) - 1;   \
		     (uintptr_t)p_ >= stack_low(sp); p_--)                       \
			*p_ = PAINT;                                              \
	} while (0)

/* Bytes between sp and the lowest word that lost the pattern. */
static long stack_used(uintptr_t sp)
{
	const volatile uint32_t *p = (const volatile uint32_t *)stack_low(sp);
	while ((uintptr_t)p < sp - 32 && *p == PAINT)
		p++;
	return (long)(sp - (uintptr_t)p);
}

static void print_floats(const float *x, int n)
{
	for (int i = 0; i < n; i++)
		printf(" %.9g", (double)x[i]);
	printf("\n");
}

static void print_output_q(void)
{
#if MODEL_OUT0_QUANTIZED
	for (int i = 0; i < MODEL_OUT0_SIZE; i++)
		printf(" %ld", (long)out_q[i]);
	printf("\n");
#else
	print_floats(out_q, MODEL_OUT0_SIZE);
#endif
}

int main(void)
{
	const struct qonnx_model_info *info = model_info();
	long deepest = 0;
	uintptr_t sp;
	int rc;
	printf("model \"%s\" (%s): %d samples, workspace %d bytes, stack limit %d bytes\n",
	       info->source, info->compiler, INPUT_SAMPLES, MODEL_WORKSPACE_SIZE,
	       MODEL_STACK_SIZE);
	for (int s = 0; s < INPUT_SAMPLES; s++) {
		const float *x = input_samples[s];
		PAINT_STACK(sp);
		rc = model_run(x, out_f, workspace);
		deepest = stack_used(sp) > deepest ? stack_used(sp) : deepest;
		if (rc != QONNX_OK) {
			printf("sample %d: model_run returned %d\n", s, rc);
			return 1;
		}
		printf("sample %d run:", s);
		print_floats(out_f, MODEL_OUT0_SIZE);
#if MODEL_IN0_QUANTIZED
		if (qrt_quantize(qonnx_input_info(info, 0), x, in_q) != 0) {
			printf("sample %d: cannot quantize the input\n", s);
			return 1;
		}
		PAINT_STACK(sp);
		rc = model_run_q(in_q, out_q, workspace);
#else
		PAINT_STACK(sp);
		rc = model_run_q(x, out_q, workspace);
#endif
		deepest = stack_used(sp) > deepest ? stack_used(sp) : deepest;
		if (rc != QONNX_OK) {
			printf("sample %d: model_run_q returned %d\n", s, rc);
			return 1;
		}
		printf("sample %d run_q:", s);
		print_output_q();
	}
	printf("stack used %ld of %d bytes: %s\n", deepest, MODEL_STACK_SIZE,
	       deepest <= MODEL_STACK_SIZE ? "ok" : "OVER THE LIMIT");
	return deepest <= MODEL_STACK_SIZE ? 0 : 1;
}
