/* internal.h: what the files of the ONNX front-end share. Nothing here is
 * visible outside compiler/onnx/.
 *
 * Import runs in this order (import.c): read the file (load.c), bound its
 * message nesting (nesting.c) and unpack it, check IR version and opsets,
 * reject unsupported operators (nodes.c), make a symbol for every tensor name
 * and check that each node input has a producer (graph.c), order the nodes
 * topologically (order.c), create graph inputs and initializers (graph.c,
 * tensor.c, external.c), then import node after node (nodes.c with the
 * per-op rewrites of legacy.c, resize.c, qonnx.c and constant.c), each op
 * getting its result types from ir_infer_op right away so that later
 * rewrites can look at operand shapes. Graph outputs come last.
 *
 * Errors go through ir_error/ir_op_error on the module under construction;
 * code that has no module (tensor decoding, external data, used also by
 * onnx_read_tensor_file) writes into a caller's buffer instead.
 */
#ifndef QONNXC_ONNX_INTERNAL_H
#define QONNXC_ONNX_INTERNAL_H

#include "onnx.pb-c.h"
#include "ir/ir.h"
#include "onnx_import.h"

#define ONNX_DEFAULT_MAX_BYTES (4ull << 30)

/* protobuf-c leaves absent optional strings NULL. */
static inline const char *onnx_str(const char *s) { return s ? s : ""; }

/* ---- load.c: files and protobuf ---------------------------------------- */

/* Reads the whole file into a malloc'd buffer; -1 with a message in err. */
int onnx_read_file(const char *path, uint8_t **data, size_t *len, char *err, size_t errlen);
/* The folder holding path ("." when none), malloc'd. */
char *onnx_dirname(const char *path);

/* ---- nesting.c ------------------------------------------------------------ */

/* Fails when data, a serialized message of type desc, nests sub-messages too
 * deeply for protobuf-c's recursive parser. 0, or -1 with a message in err. */
int onnx_check_nesting(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
		       char *err, size_t errlen);

/* ---- dtype.c: ONNX element data types ----------------------------------- */

enum onnx_field { /* where a TensorProto keeps typed (non-raw) elements */
	ONNX_FIELD_NONE,
	ONNX_FIELD_FLOAT,
	ONNX_FIELD_DOUBLE,
	ONNX_FIELD_INT32,
	ONNX_FIELD_INT64,
	ONNX_FIELD_UINT64,
};

struct onnx_dtype {
	int onnx;              /* TensorProto.DataType */
	const char *name;      /* as in onnx.proto */
	bool supported;
	enum ir_elem elem;
	int bits;
	bool is_signed;
	int raw_size;          /* bytes per element in raw_data */
	enum onnx_field field;
};

/* The table row of an ONNX data type, NULL when unknown. */
const struct onnx_dtype *onnx_dtype(int onnx);
/* "FLOAT16", or "data type 99" in buf when unknown. */
const char *onnx_dtype_name(int onnx, char *buf, size_t len);

/* ---- tensor.c, external.c: TensorProto to storage form ------------------- */

/* A TensorProto checked for decoding: its IR type and where its bytes are. */
struct onnx_tensor {
	const Onnx__TensorProto *proto;
	const struct onnx_dtype *dtype;
	struct ir_type type;
	int64_t numel;
	const uint8_t *raw; /* little-endian elements, NULL when in typed fields */
	uint8_t *owned;     /* external data read from disk, freed by onnx_tensor_release */
};

/* Checks type, dims, size (against max_bytes) and data length of t, before
 * anything of that size is allocated; reads external data relative to dir.
 * what names the tensor in messages. 0, or -1 with a message in err. */
int onnx_tensor_prepare(const Onnx__TensorProto *t, const char *what, const char *dir,
			uint64_t max_bytes, struct onnx_tensor *out, char *err, size_t errlen);
/* Writes the numel elements in storage form to out (ir_storage_size each). */
void onnx_tensor_decode(const struct onnx_tensor *t, void *out);
void onnx_tensor_release(struct onnx_tensor *t);

/* Bytes of the external data of t, validated: path inside dir, offset and
 * length inside the file, length equal to want. Returns a malloc'd buffer of
 * want bytes, or NULL with a message in err. */
uint8_t *onnx_external_read(const Onnx__TensorProto *t, const char *what, const char *dir,
			    uint64_t want, char *err, size_t errlen);

/* ---- the import context -------------------------------------------------- */

/* One tensor name of the graph: a graph input, an initializer or a node output. */
struct onnx_sym {
	const char *name;
	int node;  /* index of the producing node, -1 for inputs and initializers */
	int value; /* IR value, -1 until created */
};

struct ir_names;

struct onnx_ctx {
	struct ir_module *m;
	const Onnx__ModelProto *model;
	const Onnx__GraphProto *graph;
	const char *dir;          /* the model's folder, for external data */
	int64_t batch;
	bool batch_given;
	uint64_t max_bytes;
	int opset;                /* of the default domain */
	struct onnx_sym *syms;
	int nsyms, cap_syms;
	struct ir_names *sym_index; /* name -> index in syms */
	const char **node_names;  /* of each node: its own, or generated */
	int *order;               /* node indices in topological order */
};

/* ---- graph.c ------------------------------------------------------------ */

void onnx_name_nodes(struct onnx_ctx *c);     /* c->node_names */
int onnx_graph_symbols(struct onnx_ctx *c);   /* symbols, duplicate and producer checks */
int onnx_graph_inputs(struct onnx_ctx *c);    /* graph inputs and initializers */
int onnx_graph_outputs(struct onnx_ctx *c);
int onnx_sym_find(struct onnx_ctx *c, const char *name); /* index in syms or -1 */
/* Records a "node 'NAME' (OpType): ..." error for node i before it has an op. */
int onnx_node_error(struct onnx_ctx *c, int i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- order.c ------------------------------------------------------------ */

int onnx_order_nodes(struct onnx_ctx *c);     /* fills c->order; -1 on a cycle */

/* ---- nodes.c: the op table and the generic import of a node ------------- */

enum onnx_domain {
	ONNX_DOMAIN_ONNX,          /* "" or "ai.onnx" */
	ONNX_DOMAIN_QONNX,         /* qonnx.custom_op.general and its aliases */
	ONNX_DOMAIN_CHANNELS_LAST, /* qonnx.custom_op.channels_last */
	ONNX_DOMAIN_OTHER,
};

enum { ONNX_MAX_SKIP = 12 };

/* A node on its way into the IR. Handlers edit operands and attributes to
 * canonical form, then call onnx_emit. */
struct onnx_node {
	const Onnx__NodeProto *proto;
	int index;               /* in graph->node */
	const char *name;
	int opset;               /* of the node's domain */
	enum ir_opcode code;
	bool legacy;             /* opset older than the canonical form of the op (see nodes.c) */
	enum ir_layout layout;
	int noperands, cap_operands;
	int *operands;           /* IR values, IR_NONE for absent ones */
	const char *skip[ONNX_MAX_SKIP]; /* attributes not copied */
	int nskip;
};

typedef int (*onnx_import_fn)(struct onnx_ctx *c, struct onnx_node *n);

enum onnx_domain onnx_domain_of(const char *domain);
int onnx_domain_opset(struct onnx_ctx *c, const char *domain);
int onnx_check_supported(struct onnx_ctx *c); /* all unsupported ops in one error */
int onnx_import_nodes(struct onnx_ctx *c);

/* Creates an op for node n, not yet inferred; trailing absent operands are
 * dropped. With suffix NULL it is the node's own op: named after the node,
 * with its ONNX type, layout and attributes (except n->skip and legacy ones).
 * Otherwise it is made by qonnxc, named "NODE/suffix", without attributes.
 * node_outputs: its results carry the node's output names (else one result
 * with a generated name). Returns the op index or -1. */
int onnx_op(struct onnx_ctx *c, struct onnx_node *n, enum ir_opcode code, const char *suffix,
	    int noperands, const int *operands, bool node_outputs);
int onnx_infer(struct onnx_ctx *c, int op);  /* ir_infer_op: 0 or -1 */
int onnx_result(struct onnx_ctx *c, int op); /* value of result 0 */
/* Binds the node's output names to op's results, or one name to a value. */
void onnx_bind(struct onnx_ctx *c, struct onnx_node *n, int op);
void onnx_bind_value(struct onnx_ctx *c, const char *name, int v);
/* The usual case: the node's own op from n, inferred and bound. 0 or -1. */
int onnx_emit(struct onnx_ctx *c, struct onnx_node *n);
/* A one-result op made by qonnxc, with an optional int attribute, inferred;
 * returns its result value or -1. */
int onnx_extra_op(struct onnx_ctx *c, struct onnx_node *n, enum ir_opcode code, const char *suffix,
		int noperands, const int *operands, const char *attr, int64_t value);
void onnx_skip_attr(struct onnx_node *n, const char *name);
/* Sets operand pos (growing the operand list with IR_NONE). */
void onnx_set_operand(struct onnx_node *n, int pos, int v);
/* Constants made by the importer, named after node n plus suffix. */
int onnx_const_i64(struct onnx_ctx *c, struct onnx_node *n, const char *suffix, int count,
		   const int64_t *v);
int onnx_const_f32(struct onnx_ctx *c, struct onnx_node *n, const char *suffix, int count,
		   const double *v);
/* A scalar of the element type of value like, holding x. */
int onnx_const_scalar_like(struct onnx_ctx *c, struct onnx_node *n, const char *suffix, int like,
			   double x);

/* ---- attrs.c ------------------------------------------------------------ */

const Onnx__AttributeProto *onnx_attr(const Onnx__NodeProto *node, const char *name);
/* The attribute's type, guessed from the fields set when the type is missing. */
Onnx__AttributeProto__AttributeType onnx_attr_type(const Onnx__AttributeProto *a);
/* Copies every attribute of n's node not in n->skip onto op; -1 on an
 * attribute type the IR cannot hold. */
int onnx_copy_attrs(struct onnx_ctx *c, struct onnx_node *n, int op);
/* Attribute values with a default; a present attribute of another type is an
 * error (-1 after ir_op_error style message through onnx_node_error). */
int onnx_attr_int(struct onnx_ctx *c, struct onnx_node *n, const char *name, int64_t def, int64_t *out);
int onnx_attr_float(struct onnx_ctx *c, struct onnx_node *n, const char *name, double def, double *out);
/* A string attribute copied into the module's arena (NUL-terminated). */
int onnx_attr_string(struct onnx_ctx *c, struct onnx_node *n, const char *name, const char *def,
		     const char **out);
/* List attributes: *count 0 and *out NULL when absent. */
int onnx_attr_ints(struct onnx_ctx *c, struct onnx_node *n, const char *name, int *count,
		   const int64_t **out);
int onnx_attr_floats(struct onnx_ctx *c, struct onnx_node *n, const char *name, int *count,
		     const float **out);

/* ---- legacy.c, qonnx.c, constant.c: per-op handlers ---------------------- */

int onnx_import_plain(struct onnx_ctx *c, struct onnx_node *n);
int onnx_import_binary(struct onnx_ctx *c, struct onnx_node *n);
int onnx_import_prelu(struct onnx_ctx *c, struct onnx_node *n);
int onnx_import_clip(struct onnx_ctx *c, struct onnx_node *n);
int onnx_import_axes_attr(struct onnx_ctx *c, struct onnx_node *n);
int onnx_import_split(struct onnx_ctx *c, struct onnx_node *n);
int onnx_import_slice(struct onnx_ctx *c, struct onnx_node *n);
int onnx_import_pad(struct onnx_ctx *c, struct onnx_node *n);
int onnx_import_softmax(struct onnx_ctx *c, struct onnx_node *n);
int onnx_import_gemm(struct onnx_ctx *c, struct onnx_node *n);
int onnx_import_batchnorm(struct onnx_ctx *c, struct onnx_node *n);
int onnx_import_dropout(struct onnx_ctx *c, struct onnx_node *n);
int onnx_import_upsample(struct onnx_ctx *c, struct onnx_node *n);
int onnx_import_resize(struct onnx_ctx *c, struct onnx_node *n);
int onnx_import_quant(struct onnx_ctx *c, struct onnx_node *n);
int onnx_import_channels_last(struct onnx_ctx *c, struct onnx_node *n);
int onnx_import_constant(struct onnx_ctx *c, struct onnx_node *n);

#endif
