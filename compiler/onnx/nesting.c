/* nesting.c: a bound on how deeply protobuf messages nest, checked before
 * protobuf-c parses them.
 *
 * protobuf-c unpacks sub-messages recursively and sets no depth limit, so a
 * small file that nests graphs in node attributes in graphs a few ten
 * thousand times overflows the C stack. This walk reads the wire format
 * (varint keys; wire types 0 varint, 1 fixed64, 2 length-delimited, 5
 * fixed32) with an explicit stack, descending only into fields the schema's
 * descriptors declare as messages, and fails past MAX_DEPTH levels (the
 * limit of Google's protobuf parsers). A message it cannot read further it
 * leaves to protobuf-c, which rejects malformed input by itself, and goes on
 * with the enclosing one.
 */
#include "internal.h"

#include <stdio.h>

enum { MAX_DEPTH = 100 };

struct frame {
	const ProtobufCMessageDescriptor *desc;
	size_t pos, end;
};

/* Reads a varint at *pos (below end); false when malformed. */
static bool varint(const uint8_t *data, size_t *pos, size_t end, uint64_t *out)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64 && *pos < end; shift += 7) {
		uint8_t b = data[(*pos)++];
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return true;
		}
	}
	return false;
}

/* Advances f past one field; a sub-message is pushed on the stack instead.
 * Returns false when the data cannot be read further. */
static bool step(const uint8_t *data, struct frame *stack, int *depth)
{
	struct frame *f = &stack[*depth - 1];
	uint64_t key, len;
	if (!varint(data, &f->pos, f->end, &key))
		return false;
	switch (key & 7) {
	case 0: return varint(data, &f->pos, f->end, &len);
	case 1: f->pos += 8; return f->pos <= f->end;
	case 5: f->pos += 4; return f->pos <= f->end;
	case 2: break;
	default: return false;
	}
	if (!varint(data, &f->pos, f->end, &len) || len > f->end - f->pos)
		return false;
	size_t start = f->pos;
	f->pos += (size_t)len;
	const ProtobufCFieldDescriptor *field =
		key >> 3 <= UINT32_MAX
			? protobuf_c_message_descriptor_get_field(f->desc, (unsigned)(key >> 3))
			: NULL;
	if (!field || field->type != PROTOBUF_C_TYPE_MESSAGE)
		return true;
	stack[(*depth)++] = (struct frame){field->descriptor, start, start + (size_t)len};
	return true;
}

int onnx_check_nesting(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
		       char *err, size_t errlen)
{
	struct frame stack[MAX_DEPTH + 1];
	int depth = 1;
	stack[0] = (struct frame){desc, 0, len};
	while (depth > 0) {
		if (depth > MAX_DEPTH)
			return snprintf(err, errlen, "protobuf messages nested more than %d deep", MAX_DEPTH), -1;
		if (stack[depth - 1].pos >= stack[depth - 1].end) {
			depth--;
			continue;
		}
		if (!step(data, stack, &depth))
			depth--; /* malformed: protobuf-c will say so; check the rest */
	}
	return 0;
}
