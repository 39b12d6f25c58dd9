/* target.h: the path every fuzz target drives, from model bytes to results.
 *
 * fuzz_run feeds one serialized model through what `qonnxc` does with a
 * file: protobuf parsing and import (onnx_import_buffer), ir_verify, one
 * interpreter run on deterministic inputs (the `run` subcommand), then a
 * pass pipeline with the verifier after each pass, the IR printer and one
 * more interpreter run (the `compile` path), and for small graphs the LLVM
 * and HLS backends writing into memory (backends.c). The pipeline is the default
 * one for most inputs; a hash of the bytes picks the opt-in passes
 * (lower-integer, promote-f64) or --io-layout=nhwc for the others. Small limits keep each execution
 * fast: a 64 MiB tensor limit for import and, for interpretation, a budget on
 * the bytes of all tensors and on the elementary operations of all ops.
 *
 * Bad input must end in a one-line error; anything else is a finding and
 * aborts, so that libFuzzer saves the input: a failure without a message,
 * with a multi-line one or with an "internal error", a module that import
 * accepts but the verifier rejects, a pass whose output the verifier
 * rejects, a backend's internal error (backends.c). Crashes, leaks and undefined behaviour are caught by the
 * sanitizers.
 *
 * FUZZ_PASSES in the environment replaces the default pipeline (a comma
 * list of pass names, or "none"), to fuzz past a known bug in one pass.
 * With FUZZ_DIFF=1 in the environment the outputs before and after the
 * pipeline are compared and differences printed; FUZZ_DIFF=abort makes
 * them findings too (float rounding in folded constants can flip quantizer
 * outputs, so this is for exploring, not a default).
 */
#ifndef QONNXC_FUZZ_TARGET_H
#define QONNXC_FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>

/* Once per process: the folder external data is read from (a fresh one with
 * a small "weights.bin"), removed at exit. */
void fuzz_init(void);
/* Runs data through the compiler; returns when no finding. */
void fuzz_run(const uint8_t *data, size_t len);

/* For the stages of the path. */
struct ir_module;
/* Reports a finding on standard error and aborts. */
void fuzz_finding(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* A finding unless msg is one non-empty line that is not an internal error. */
void fuzz_check_message(const char *stage, const char *msg);
/* backends.c: the module after the passes through the LLVM and HLS backends,
 * into memory; choice (a hash of the input) picks the optimization level. */
void fuzz_backends(struct ir_module *m, unsigned choice);

#endif
