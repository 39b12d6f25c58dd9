/* mutate.h: structure-aware mutation of ONNX models for fuzz_mutate.
 *
 * A mutation edits one field of an unpacked Onnx__ModelProto in a way a
 * byte-level mutator would rarely hit while keeping the protobuf valid: a
 * dimension, an element type, an attribute value, a tensor's data or its
 * length, the order of nodes, an input name, an op type, a domain, an opset
 * version. The choices come from a seeded generator, so that libFuzzer can
 * replay a mutation from its seed.
 *
 * Memory: the model is one protobuf-c unpacked with the default allocator
 * (malloc/free); mutations replace and grow its strings and arrays with
 * malloc'd memory and free what they drop, so that
 * onnx__model_proto__free_unpacked still releases everything.
 */
#ifndef QONNXC_FUZZ_MUTATE_H
#define QONNXC_FUZZ_MUTATE_H

#include "onnx.pb-c.h"

#include <stdbool.h>
#include <stdint.h>

struct mut_rng {
	uint64_t state;
};

/* ---- mutate_util.c: randomness, memory, names ------------------------------- */

uint64_t mut_next(struct mut_rng *r);
uint64_t mut_below(struct mut_rng *r, uint64_t n); /* 0..n-1; 0 when n is 0 */
bool mut_chance(struct mut_rng *r, int one_in);    /* true once in one_in */
int64_t mut_int(struct mut_rng *r, int64_t old);   /* an interesting int64 near or far from old */
double mut_float(struct mut_rng *r, double old);   /* an interesting float */
const char *mut_pick(struct mut_rng *r, const char *const *list, int n);

char *mut_strdup(const char *s);
/* Grows a malloc'd array *p of *n elements of size each by one zeroed
 * element; returns it. */
void *mut_append(void *p, size_t *n, size_t size);
/* Removes element i of an array of *n elements of size each. */
void mut_remove(void *p, size_t *n, size_t size, size_t i);
void mut_set_string(char **field, const char *s);
/* A deep copy of a message (packed and unpacked again); NULL on failure. */
void *mut_copy_message(const ProtobufCMessage *m);

/* Every tensor name of graph g (inputs, initializers, node outputs); the
 * strings belong to g. Returns a malloc'd array of *n. */
const char **mut_tensor_names(const Onnx__GraphProto *g, size_t *n);

/* ---- mutate_graph.c: nodes, graph interface, model header -------------------- */

bool mut_graph(Onnx__ModelProto *model, struct mut_rng *r);

/* ---- mutate_data.c: tensors, attributes, value types ------------------------- */

bool mut_data(Onnx__ModelProto *model, struct mut_rng *r);

/* ---- mutate.c: the entry points ---------------------------------------------- */

/* Applies one to four mutations; false when none applied. */
bool mut_model(Onnx__ModelProto *model, struct mut_rng *r);
/* Copies a node of src (and the initializers it reads that dst lacks) into dst. */
bool mut_crossover(Onnx__ModelProto *dst, const Onnx__ModelProto *src, struct mut_rng *r);

#endif
