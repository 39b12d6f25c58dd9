/* driver.h: the subcommands behind main(): loading a model the way every
 * subcommand does, and `qonnxc run`. Each returns an exit status (0, 1, 2)
 * after printing at most one error line. */
#ifndef QONNXC_DRIVER_H
#define QONNXC_DRIVER_H

#include "cli.h"
#include "ir/ir.h"

#define QONNXC_VERSION "0.1.0"

enum { EXIT_OK = 0, EXIT_BAD_MODEL = 1, EXIT_USAGE = 2 };

/* Prints "qonnxc: error: PREFIX: message" on one line. */
void driver_error(const char *prefix, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Imports and verifies opt->model, then runs the pass pipeline that opt
 * selects; NULL after printing the error. */
struct ir_module *driver_load(const struct cli_options *opt);

int driver_compile(const struct cli_options *opt);
int driver_run(const struct cli_options *opt);
int driver_verify(const struct cli_options *opt);

#endif
