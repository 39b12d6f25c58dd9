/* hls_target.h: `qonnxc --target=hls model.onnx -o DIR`, the driver of the
 * HLS backend (backends/hls/hls_backend.h). */
#ifndef QONNXC_HLS_TARGET_H
#define QONNXC_HLS_TARGET_H

#include "cli.h"

/* Loads the model with the default pipeline (or --passes), generates the
 * project; an exit status (0, 1 unsupported model, 2 usage or file error)
 * after at most one error line. */
int driver_hls(const struct cli_options *opt);

#endif
