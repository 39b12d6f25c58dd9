/* names.h: a string -> index hash table for the module's value and op names.
 * The table stores indices; the strings live in the module's arena and are
 * reached through a caller-supplied lookup of an index's name. */
#ifndef QONNXC_NAMES_H
#define QONNXC_NAMES_H

struct ir_names;
typedef const char *(*ir_name_of)(void *ctx, int index);

struct ir_names *ir_names_new(ir_name_of name_of, void *ctx);
void ir_names_free(struct ir_names *t);
int ir_names_find(struct ir_names *t, const char *name); /* index or -1 */
void ir_names_add(struct ir_names *t, const char *name, int index);
void ir_names_clear(struct ir_names *t);

#endif
