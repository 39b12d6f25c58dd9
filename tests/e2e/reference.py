"""reference.py: a small numpy interpreter of ONNX/QONNX graphs, the oracle
of the end-to-end tests. It is written from the ONNX operator specifications
and ../shared/QONNX.md, independently of qonnxc's C code.

    run_model(model_or_path, inputs, wide=False) -> list of numpy arrays

Semantics follow the opset the model imports (legacy broadcast before opset 7,
Softmax's coerce-to-2D before opset 13, attributes that later became inputs).
Arithmetic on float32 tensors is done in float32 where ONNX Runtime and qonnx's
executor do it that way (element-wise arithmetic, the quantizers); functions
without a float32 closed form (exp, erf, ...) are evaluated in float64 and
rounded once to float32, i.e. to the correctly rounded result in nearly all
cases. wide=True promotes every float32 tensor to float64 first, for
comparisons whose tolerance is derived from the exact result
(tests/e2e/compare.py); the quantizers are never run wide.

Only the operators the tests use are implemented; an unknown one raises.
"""
import math

import numpy as np
import onnx
from onnx import helper, numpy_helper

QONNX_DOMAINS = ("qonnx.custom_op.general", "finn.custom_op.general", "onnx.brevitas")
CHANNELS_LAST = "qonnx.custom_op.channels_last"

ONNX_TO_NP = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32,
              7: np.int64, 9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32,
              13: np.uint64}


class Node:
    """An ONNX node with decoded attributes and the opset of its domain."""

    def __init__(self, proto, opset):
        self.op = proto.op_type
        self.domain = proto.domain
        self.name = proto.name
        self.opset = opset
        self.attrs = {}
        for a in proto.attribute:
            v = helper.get_attribute_value(a)
            if isinstance(v, bytes):
                v = v.decode()
            if isinstance(v, onnx.TensorProto):
                v = numpy_helper.to_array(v)
            self.attrs[a.name] = v

    def get(self, name, default=None):
        return self.attrs.get(name, default)


def is_float(a):
    return a.dtype.kind == "f"


def via64(fn):
    """fn evaluated in float64, rounded once to the input's float type."""
    def apply(x):
        return fn(x.astype(np.float64)).astype(x.dtype)
    return apply


def fconst(x, v):
    """Attribute constant v in x's float type (avoids numpy's float64 promotion)."""
    return x.dtype.type(v)


# ---- element-wise -------------------------------------------------------

def legacy_broadcast(n, a, b):
    """Before opset 7, B is broadcast to A only with broadcast=1, aligned at axis."""
    if n.opset >= 7 or not n.get("broadcast", 0) or a.shape == b.shape:
        return a, b
    axis = n.get("axis", a.ndim - b.ndim)
    if axis < 0:
        axis += a.ndim
    shape = [1] * axis + list(b.shape) + [1] * (a.ndim - axis - b.ndim)
    return a, b.reshape(shape)


def int_div(a, b):
    q = np.abs(a) // np.abs(b)
    return (q * np.sign(a) * np.sign(b)).astype(a.dtype)


def binary(fn):
    def op(n, a, b):
        a, b = legacy_broadcast(n, a, b)
        return [fn(a, b)]
    return op


def div(a, b):
    return a / b if is_float(a) else int_div(a, b)


def powr(a, b):
    if is_float(a):
        return np.power(a.astype(np.float64), b.astype(np.float64)).astype(a.dtype)
    return np.power(a, b).astype(a.dtype)


def prelu(n, x, slope):
    return [np.where(x < 0, x * slope.astype(x.dtype), x)]


def variadic(fn):
    def op(n, *xs):
        acc = xs[0]
        for x in xs[1:]:
            acc = fn(acc, x)
        return [np.broadcast_to(acc, np.broadcast_shapes(*[x.shape for x in xs])).copy()]
    return op


def mean(n, *xs):
    s = variadic(np.add)(n, *xs)[0]
    return [s / fconst(s, len(xs))]


def unary(fn):
    return lambda n, x: [fn(x)]


def erf64(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def leaky_relu(n, x):
    return [np.where(x < 0, x * fconst(x, n.get("alpha", 0.01)), x)]


def elu(n, x):
    a = n.get("alpha", 1.0)
    return [via64(lambda v: np.where(v < 0, a * np.expm1(v), v))(x)]


def selu(n, x):
    a, g = n.get("alpha", 1.67326319217681884765625), n.get("gamma", 1.05070102214813232421875)
    return [via64(lambda v: np.where(v <= 0, g * (a * np.exp(v) - a), g * v))(x)]


def hard_sigmoid(n, x):
    y = x * fconst(x, n.get("alpha", 0.2)) + fconst(x, n.get("beta", 0.5))
    return [np.clip(y, fconst(x, 0), fconst(x, 1))]


def clip(n, x, lo=None, hi=None):
    if n.opset < 11:
        lo = n.get("min")
        hi = n.get("max")
        lo = None if lo is None else fconst(x, lo)
        hi = None if hi is None else fconst(x, hi)
    y = x
    if lo is not None and np.size(lo):
        y = np.maximum(y, np.asarray(lo, dtype=x.dtype))
    if hi is not None and np.size(hi):
        y = np.minimum(y, np.asarray(hi, dtype=x.dtype))
    return [y]


def cast(n, x):
    dt = ONNX_TO_NP[n.get("to")]
    if dt == np.bool_:
        return [x != 0]
    if np.issubdtype(dt, np.integer) and is_float(x):
        x = np.trunc(x)
    return [x.astype(dt)]


def dropout(n, x, *rest):
    return [x, np.ones(x.shape, dtype=bool)]


def where(n, c, x, y):
    return [np.where(c, x, y)]


def softmax_like(log):
    def op(n, x):
        wide = x.astype(np.float64)
        if n.opset < 13:  # coerce to 2-D at axis, normalize each row
            axis = n.get("axis", 1)
            if axis < 0:
                axis += x.ndim
            rows = int(np.prod(x.shape[:axis]))
            wide = wide.reshape(rows, -1)
            ax = 1
        else:
            ax = n.get("axis", -1)
        m = wide - wide.max(axis=ax, keepdims=True)
        e = np.exp(m)
        s = e.sum(axis=ax, keepdims=True)
        y = m - np.log(s) if log else e / s
        return [y.reshape(x.shape).astype(x.dtype)]
    return op


# ---- linear algebra and convolution --------------------------------------

def matmul(n, a, b):
    return [np.matmul(a, b)]


def gemm(n, a, b, c=None):
    if n.get("transA", 0):
        a = a.T
    if n.get("transB", 0):
        b = b.T
    y = np.matmul(a, b) * fconst(a, n.get("alpha", 1.0))
    if c is not None:
        y = y + c * fconst(a, n.get("beta", 1.0))
    return [y]


def spatial_pads(n, in_sp, kernel, strides, dilations):
    """Begin and end padding per spatial axis, from pads or auto_pad."""
    nsp = len(in_sp)
    auto = n.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        begin, end = [], []
        for i in range(nsp):
            out = -(-in_sp[i] // strides[i])
            total = max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in_sp[i])
            small = total // 2
            b = small if auto == "SAME_UPPER" else total - small
            begin.append(b)
            end.append(total - b)
        return begin, end
    if auto == "VALID":
        return [0] * nsp, [0] * nsp
    p = list(n.get("pads", [0] * (2 * nsp)))
    return p[:nsp], p[nsp:]


def conv_params(n, x, kernel):
    nsp = x.ndim - 2
    strides = list(n.get("strides", [1] * nsp))
    dil = list(n.get("dilations", [1] * nsp))
    begin, end = spatial_pads(n, x.shape[2:], kernel, strides, dil)
    return nsp, strides, dil, begin, end


def conv_nchw(n, x, w, b=None):
    group = n.get("group", 1)
    kernel = w.shape[2:]
    nsp, strides, dil, begin, end = conv_params(n, x, kernel)
    xp = np.pad(x, [(0, 0), (0, 0)] + list(zip(begin, end)))
    out_sp = [(xp.shape[2 + i] - dil[i] * (kernel[i] - 1) - 1) // strides[i] + 1
              for i in range(nsp)]
    m, cg = w.shape[0], w.shape[1]
    mg = m // group
    y = np.zeros((x.shape[0], m) + tuple(out_sp), dtype=x.dtype)
    for g in range(group):
        xg = xp[:, g * cg:(g + 1) * cg]
        wg = w[g * mg:(g + 1) * mg]
        for k in np.ndindex(*kernel):
            sl = tuple(slice(k[i] * dil[i], k[i] * dil[i] + strides[i] * (out_sp[i] - 1) + 1,
                             strides[i]) for i in range(nsp))
            patch = xg[(slice(None), slice(None)) + sl]
            wk = wg[(slice(None), slice(None)) + k]
            y[:, g * mg:(g + 1) * mg] += np.einsum("nc...,mc->nm...", patch, wk)
    if b is not None:
        y += b.reshape((1, m) + (1,) * nsp)
    return y


def conv(n, x, w, b=None):
    return [conv_nchw(n, x, w, b)]


def conv_transpose(n, x, w, b=None):
    group = n.get("group", 1)
    nsp = x.ndim - 2
    kernel = w.shape[2:]
    strides = list(n.get("strides", [1] * nsp))
    dil = list(n.get("dilations", [1] * nsp))
    outpad = list(n.get("output_padding", [0] * nsp))
    in_sp = x.shape[2:]
    full = [strides[i] * (in_sp[i] - 1) + outpad[i] + (kernel[i] - 1) * dil[i] + 1
            for i in range(nsp)]
    if "output_shape" in n.attrs:
        # pads follow from the requested shape; SAME_UPPER puts the odd one at the end
        want = list(n.get("output_shape"))[-nsp:]
        begin, end = [], []
        for i in range(nsp):
            total = full[i] - want[i]
            if n.get("auto_pad", "NOTSET") == "SAME_UPPER":
                begin.append(total // 2)
            else:
                begin.append(total - total // 2)
            end.append(total - begin[-1])
    else:
        p = list(n.get("pads", [0] * (2 * nsp)))
        begin, end = p[:nsp], p[nsp:]
    cg, mg = w.shape[0] // group, w.shape[1]
    m = mg * group
    y = np.zeros((x.shape[0], m) + tuple(full), dtype=x.dtype)
    for g in range(group):
        xg = x[:, g * cg:(g + 1) * cg]
        for k in np.ndindex(*kernel):
            wk = w[(slice(g * cg, (g + 1) * cg), slice(None)) + k]
            contrib = np.einsum("nc...,cm->nm...", xg, wk)
            sl = tuple(slice(k[i] * dil[i], k[i] * dil[i] + strides[i] * (in_sp[i] - 1) + 1,
                             strides[i]) for i in range(nsp))
            y[(slice(None), slice(g * mg, (g + 1) * mg)) + sl] += contrib
    crop = tuple(slice(begin[i], full[i] - end[i]) for i in range(nsp))
    y = y[(slice(None), slice(None)) + crop]
    if b is not None:
        y = y + b.reshape((1, m) + (1,) * nsp)
    return [np.ascontiguousarray(y)]


def pool_windows(n, x, kernel):
    """Yields (kernel offset, sliced padded input, validity mask slices) for pooling.

    The input is padded with the explicit pads and, for ceil_mode, with the
    extra cells the last partial window reaches; returns out shape and a list
    of (values, is_real_cell, is_pad_cell) slices, one per kernel offset.
    """
    nsp, strides, dil, begin, end = conv_params(n, x, kernel)
    ceil_mode = n.get("ceil_mode", 0)
    out_sp, extra = [], []
    for i in range(nsp):
        span = x.shape[2 + i] + begin[i] + end[i] - ((kernel[i] - 1) * dil[i] + 1)
        o = (-(-span // strides[i]) if ceil_mode else span // strides[i]) + 1
        if ceil_mode and (o - 1) * strides[i] >= x.shape[2 + i] + begin[i]:
            o -= 1  # the last window must start inside the input or its left padding
        out_sp.append(o)
        need = (o - 1) * strides[i] + (kernel[i] - 1) * dil[i] + 1
        extra.append(max(0, need - (x.shape[2 + i] + begin[i] + end[i])))
    widths = [(0, 0), (0, 0)] + [(begin[i], end[i] + extra[i]) for i in range(nsp)]
    fill = -np.inf if is_float(x) else np.iinfo(x.dtype).min
    xp = np.pad(x, widths, constant_values=fill)
    real = np.pad(np.ones(x.shape, dtype=bool), widths, constant_values=False)
    padcell = np.pad(np.zeros(x.shape, dtype=bool),
                     [(0, 0), (0, 0)] + [(begin[i], end[i]) for i in range(nsp)],
                     constant_values=True)
    padcell = np.pad(padcell, [(0, 0), (0, 0)] + [(0, extra[i]) for i in range(nsp)],
                     constant_values=False)
    windows = []
    for k in np.ndindex(*kernel):
        sl = (slice(None), slice(None)) + tuple(
            slice(k[i] * dil[i], k[i] * dil[i] + strides[i] * (out_sp[i] - 1) + 1, strides[i])
            for i in range(nsp))
        windows.append((k, xp[sl], real[sl], padcell[sl], sl))
    return out_sp, windows, begin


def max_pool_nchw(n, x, want_indices=False):
    kernel = list(n.get("kernel_shape"))
    out_sp, windows, begin = pool_windows(n, x, kernel)
    nsp = len(kernel)
    strides = list(n.get("strides", [1] * nsp))
    dil = list(n.get("dilations", [1] * nsp))
    best = None
    idx = None
    for k, vals, real, _, _ in windows:
        if best is None:
            best = vals.copy()
            idx = np.zeros(vals.shape, dtype=np.int64)
            first = True
        else:
            first = False
        better = vals > best if not first else np.ones(vals.shape, dtype=bool)
        best = np.where(better, vals, best)
        if want_indices:
            # flat index of input cell (n, c, pos...) with pos = o*stride + k*dil - begin
            pos = [np.arange(out_sp[i]) * strides[i] + k[i] * dil[i] - begin[i]
                   for i in range(nsp)]
            flat = np.zeros(tuple(out_sp), dtype=np.int64)
            for i in range(nsp):
                shape = [1] * nsp
                shape[i] = out_sp[i]
                flat = flat * x.shape[2 + i] + pos[i].reshape(shape)
            nc = (np.arange(x.shape[0])[:, None] * x.shape[1] + np.arange(x.shape[1])[None, :])
            nc = nc.reshape(x.shape[:2] + (1,) * nsp) * int(np.prod(x.shape[2:]))
            idx = np.where(better, nc + flat, idx)
    return best, idx


def max_pool(n, x):
    y, idx = max_pool_nchw(n, x, want_indices=True)
    return [y, idx]


def average_pool(n, x):
    kernel = list(n.get("kernel_shape"))
    out_sp, windows, _ = pool_windows(n, x, kernel)
    include_pad = n.get("count_include_pad", 0)
    total = np.zeros(x.shape[:2] + tuple(out_sp), dtype=x.dtype)
    count = np.zeros(total.shape, dtype=np.int64)
    for _, vals, real, pad, _ in windows:
        total += np.where(real, vals, 0).astype(x.dtype)
        count += real | (pad if include_pad else False)
    return [total / count.astype(x.dtype)]


def global_pool(fn):
    def op(n, x):
        axes = tuple(range(2, x.ndim))
        return [fn(x, axis=axes, keepdims=True)]
    return op


def batch_norm(n, x, scale, b, mean_, var, channel_axis=1):
    shape = [1] * x.ndim
    shape[channel_axis] = x.shape[channel_axis]
    w = x.astype(np.float64)
    p = [a.astype(np.float64).reshape(shape) for a in (scale, b, mean_, var)]
    y = (w - p[2]) / np.sqrt(p[3] + n.get("epsilon", 1e-5)) * p[0] + p[1]
    return [y.astype(x.dtype)]


def instance_norm(n, x, scale, b):
    axes = tuple(range(2, x.ndim))
    w = x.astype(np.float64)
    mu = w.mean(axis=axes, keepdims=True)
    var = ((w - mu) ** 2).mean(axis=axes, keepdims=True)
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    y = (w - mu) / np.sqrt(var + n.get("epsilon", 1e-5)) * scale.reshape(shape) + b.reshape(shape)
    return [y.astype(x.dtype)]


# ---- reductions ----------------------------------------------------------

def reduce(fn, axes_input_since):
    def op(n, x, axes=None):
        if n.opset < axes_input_since:
            axes = n.get("axes")
        elif axes is not None:
            axes = [int(a) for a in axes]
        keep = bool(n.get("keepdims", 1))
        if axes is None or len(axes) == 0:
            if n.get("noop_with_empty_axes", 0):
                return [x]
            axes = list(range(x.ndim))
        axes = tuple(sorted(a % x.ndim for a in axes))
        y = fn(x, axis=axes, keepdims=keep)
        return [np.asarray(y, dtype=x.dtype)]
    return op


# ---- shape and data movement --------------------------------------------

def flatten(n, x):
    axis = n.get("axis", 1)
    if axis < 0:
        axis += x.ndim
    return [x.reshape(int(np.prod(x.shape[:axis])), -1)]


def reshape(n, x, shape):
    shape = [int(s) for s in shape]
    if not n.get("allowzero", 0):
        shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return [x.reshape(shape)]


def transpose(n, x):
    perm = n.get("perm")
    return [np.transpose(x, perm if perm is not None else None)]


def squeeze(n, x, axes=None):
    if n.opset < 13:
        axes = n.get("axes")
    if axes is None:
        return [x.reshape([d for d in x.shape if d != 1])]
    axes = tuple(int(a) % x.ndim for a in axes)
    return [np.squeeze(x, axis=axes)]


def unsqueeze(n, x, axes=None):
    if n.opset < 13:
        axes = n.get("axes")
    rank = x.ndim + len(axes)
    axes = sorted(int(a) % rank for a in axes)
    shape = list(x.shape)
    for a in axes:
        shape.insert(a, 1)
    return [x.reshape(shape)]


def concat(n, *xs):
    return [np.concatenate(xs, axis=n.get("axis"))]


def split(n, x, sizes=None, noutputs=None):
    axis = n.get("axis", 0) % x.ndim
    if n.opset < 13:
        sizes = n.get("split")
    dim = x.shape[axis]
    if sizes is None:
        parts = n.get("num_outputs", noutputs)
        chunk = -(-dim // parts)
        sizes = [min(chunk, dim - i * chunk) for i in range(parts)]
    bounds = np.cumsum([0] + [int(s) for s in sizes])
    return [np.take(x, np.arange(bounds[i], bounds[i + 1]), axis=axis)
            for i in range(len(sizes))]


def slice_(n, x, starts=None, ends=None, axes=None, steps=None):
    if n.opset < 10:
        starts, ends, axes = n.get("starts"), n.get("ends"), n.get("axes")
    starts = [int(s) for s in starts]
    ends = [int(e) for e in ends]
    axes = list(range(len(starts))) if axes is None else [int(a) % x.ndim for a in axes]
    steps = [1] * len(starts) if steps is None else [int(s) for s in steps]
    sl = [slice(None)] * x.ndim
    for s, e, a, st in zip(starts, ends, axes, steps):
        d = x.shape[a]
        s = s + d if s < 0 else s
        e = e + d if e < 0 else e
        if st > 0:
            s, e = min(max(s, 0), d), min(max(e, 0), d)
        else:
            s, e = min(max(s, 0), d - 1), min(max(e, -1), d - 1)
        sl[a] = slice(s, None if e < 0 else e, st)
    return [x[tuple(sl)].copy()]


def gather(n, x, idx):
    axis = n.get("axis", 0) % x.ndim
    idx = np.where(idx < 0, idx + x.shape[axis], idx)
    return [np.take(x, idx, axis=axis)]


def shape_(n, x):
    r = x.ndim
    s = n.get("start", 0) if n.opset >= 15 else 0
    e = n.get("end", r) if n.opset >= 15 else r
    s = min(max(s + r if s < 0 else s, 0), r)
    e = min(max(e + r if e < 0 else e, 0), r)
    return [np.array(x.shape[s:e], dtype=np.int64)]


def expand(n, x, shape):
    out = np.broadcast_shapes(x.shape, tuple(int(s) for s in shape))
    return [np.broadcast_to(x, out).copy()]


def tile(n, x, reps):
    return [np.tile(x, [int(r) for r in reps])]


def pad(n, x, pads=None, value=None, axes=None):
    if n.opset < 11:
        pads, value = n.get("pads"), n.get("value", 0.0)
    pads = [int(p) for p in pads]
    axes = list(range(x.ndim)) if axes is None else [int(a) % x.ndim for a in axes]
    k = len(axes)
    begin, end = [0] * x.ndim, [0] * x.ndim
    for i, a in enumerate(axes):
        begin[a], end[a] = pads[i], pads[k + i]
    # negative pads crop first
    crop = tuple(slice(max(0, -b), x.shape[i] - max(0, -e))
                 for i, (b, e) in enumerate(zip(begin, end)))
    x = x[crop]
    widths = [(max(0, b), max(0, e)) for b, e in zip(begin, end)]
    mode = n.get("mode", "constant")
    if mode == "constant":
        v = 0 if value is None or np.size(value) == 0 else np.asarray(value).item()
        return [np.pad(x, widths, mode="constant", constant_values=np.asarray(v, x.dtype))]
    return [np.pad(x, widths, mode={"reflect": "reflect", "edge": "edge"}[mode])]


def nearest_index(xo, mode):
    if mode == "round_prefer_floor":
        return np.where(xo - np.floor(xo) == 0.5, np.floor(xo), np.round(xo))
    if mode == "round_prefer_ceil":
        return np.where(xo - np.floor(xo) == 0.5, np.ceil(xo), np.round(xo))
    if mode == "floor":
        return np.floor(xo)
    return np.ceil(xo)


def source_coords(mode, out_len, in_len, scale):
    """Source coordinate of each output index along one axis (float64)."""
    o = np.arange(out_len, dtype=np.float64)
    if mode == "half_pixel":
        return (o + 0.5) / scale - 0.5
    if mode == "pytorch_half_pixel":
        return (o + 0.5) / scale - 0.5 if out_len > 1 else np.zeros(out_len)
    if mode == "align_corners":
        return o * (in_len - 1) / (out_len - 1) if out_len > 1 else np.zeros(out_len)
    if mode == "asymmetric":
        return o / scale
    raise NotImplementedError("coordinate_transformation_mode " + mode)


def resize_nd(x, scales, out_shape, mode, coord, nearest_mode):
    y = x.astype(np.float64)
    for ax in range(x.ndim):
        in_len, out_len = x.shape[ax], out_shape[ax]
        if in_len == out_len and scales[ax] == 1:
            continue
        xo = source_coords(coord, out_len, in_len, scales[ax])
        if mode == "nearest":
            idx = np.clip(nearest_index(xo, nearest_mode), 0, in_len - 1).astype(np.int64)
            y = np.take(y, idx, axis=ax)
        else:
            xo = np.clip(xo, 0, in_len - 1)
            i0 = np.floor(xo).astype(np.int64)
            i1 = np.minimum(i0 + 1, in_len - 1)
            w = xo - i0
            shape = [1] * x.ndim
            shape[ax] = out_len
            w = w.reshape(shape)
            y = np.take(y, i0, axis=ax) * (1 - w) + np.take(y, i1, axis=ax) * w
    return y.astype(x.dtype)


def resize(n, x, roi=None, scales=None, sizes=None):
    if n.opset == 10:  # (X, scales); asymmetric coordinates, nearest rounds down
        return upsample_like(x, [float(s) for s in roi], n.get("mode", "nearest"))
    coord = n.get("coordinate_transformation_mode", "half_pixel")
    mode = n.get("mode", "nearest")
    nearest_mode = n.get("nearest_mode", "round_prefer_floor")
    if sizes is not None and np.size(sizes):
        out_shape = [int(s) for s in sizes]
        sc = [o / i for o, i in zip(out_shape, x.shape)]
    else:
        sc = [float(s) for s in scales]
        out_shape = [int(math.floor(d * s)) for d, s in zip(x.shape, sc)]
    return [resize_nd(x, sc, out_shape, mode, coord, nearest_mode)]


def upsample_like(x, scales, mode):
    out_shape = [int(math.floor(d * s)) for d, s in zip(x.shape, scales)]
    if mode == "nearest":
        return [resize_nd(x, scales, out_shape, "nearest", "asymmetric", "floor")]
    return [resize_nd(x, scales, out_shape, "linear", "asymmetric", None)]


def upsample(n, x, scales=None):
    if n.opset < 9:
        scales = n.get("scales")
    return upsample_like(x, [float(s) for s in scales], n.get("mode", "nearest"))


def depth_to_space(n, x):
    b = n.get("blocksize")
    N, C, H, W = x.shape
    if n.get("mode", "DCR") == "DCR":
        y = x.reshape(N, b, b, C // (b * b), H, W).transpose(0, 3, 4, 1, 5, 2)
    else:
        y = x.reshape(N, C // (b * b), b, b, H, W).transpose(0, 1, 4, 2, 5, 3)
    return [y.reshape(N, C // (b * b), H * b, W * b)]


def space_to_depth(n, x):
    b = n.get("blocksize")
    N, C, H, W = x.shape
    y = x.reshape(N, C, H // b, b, W // b, b).transpose(0, 3, 5, 1, 2, 4)
    return [y.reshape(N, C * b * b, H // b, W // b)]


def constant(n):
    for key in ("value", "value_float", "value_floats", "value_int", "value_ints"):
        if key in n.attrs:
            v = n.attrs[key]
            if key.startswith("value_float"):
                return [np.asarray(v, dtype=np.float32)]
            if key.startswith("value_int"):
                return [np.asarray(v, dtype=np.int64)]
            return [np.asarray(v)]
    raise NotImplementedError("Constant without a supported value attribute")


# ---- QONNX quantizers (../shared/QONNX.md) --------------------------------

def round_mode(q, mode):
    """Rounds float32 q to an integer value. The half-way modes decide ties on
    |q|, where |q| - floor(|q|) is exact in binary floating point (q + 0.5 is
    not, and neither is q - floor(q) for small negative q: -0.49999997 + 1
    rounds to 0.5)."""
    mode = mode.upper()
    if mode in ("ROUND", "HALF_EVEN"):
        return np.round(q)
    if mode == "CEIL":
        return np.ceil(q)
    if mode == "FLOOR":
        return np.floor(q)
    if mode == "UP":
        return np.where(q < 0, np.floor(q), np.ceil(q))
    if mode == "DOWN":
        return np.trunc(q)
    a = np.abs(q)
    r = np.floor(a)
    frac = a - r
    if mode == "HALF_UP":  # ties away from zero
        mag = np.where(frac >= 0.5, r + 1, r)
    elif mode == "HALF_DOWN":  # ties toward zero
        mag = np.where(frac > 0.5, r + 1, r)
    else:
        raise ValueError("unknown rounding mode " + mode)
    return np.copysign(mag.astype(q.dtype), q)


def int_bounds(bits, signed, narrow):
    if signed:
        return -(2.0 ** (bits - 1)) + narrow, 2.0 ** (bits - 1) - 1
    return 0.0, 2.0 ** bits - 1 - narrow


def positive_int(bits):
    b = float(np.asarray(bits).reshape(-1)[0])
    if b != int(b) or b < 1:
        raise ValueError("bit width must be a positive integer, got %r" % b)
    return int(b)


def int_quant(n, x, scale, zeropt, bitwidth):
    f = np.float32
    x, scale, zeropt = x.astype(f), scale.astype(f), zeropt.astype(f)
    bits = positive_int(bitwidth)
    signed, narrow = n.get("signed", 1), n.get("narrow", 0)
    with np.errstate(over="ignore"):
        q = x / scale + zeropt
    if signed and bits == 1:  # bipolar
        q = np.where(q >= 0, f(1), f(-1))
    else:
        lo, hi = int_bounds(bits, signed, narrow)
        q = np.clip(q, f(lo), f(hi))
        q = round_mode(q, n.get("rounding_mode", "ROUND"))
    return [((q - zeropt) * scale).astype(f)]


def bipolar_quant(n, x, scale):
    f = np.float32
    return [(np.where(x >= 0, f(1), f(-1)) * scale.astype(f)).astype(f)]


def trunc(n, x, scale, zeropt, in_bits, *rest):
    f = np.float32
    x, scale, zeropt = x.astype(f), scale.astype(f), zeropt.astype(f)
    mode = n.get("rounding_mode", "FLOOR")
    q = np.round(x / scale + zeropt)
    ib = positive_int(in_bits)
    if len(rest) == 1:  # version 1: (x, scale, zeropt, in_bitwidth, out_bitwidth)
        ob = positive_int(rest[0])
        q = q / f(2.0 ** (ib - ob))
        q = round_mode(q, mode)
        return [((q - zeropt) * scale).astype(f)]
    out_scale, out_bits = rest[0].astype(f), positive_int(rest[1])
    t = np.exp2(np.round(np.log2(out_scale.astype(np.float64) / scale))).astype(f)
    lo, hi = int_bounds(out_bits, n.get("signed", 1), n.get("narrow", 0))
    q = np.clip(q / t, f(lo), f(hi))
    q = round_mode(q, mode)
    return [((q - zeropt / t) * out_scale).astype(f)]


# ---- channels-last forms ---------------------------------------------------

def to_first(x):
    return np.moveaxis(x, -1, 1)


def to_last(x):
    return np.ascontiguousarray(np.moveaxis(x, 1, -1))


def cl_conv(n, x, w, b=None):
    return [to_last(conv_nchw(n, to_first(x), to_first(w), b))]


def cl_max_pool(n, x):
    y, _ = max_pool_nchw(n, to_first(x))
    return [to_last(y)]


def cl_batch_norm(n, x, *params):
    return batch_norm(n, x, *params, channel_axis=x.ndim - 1)


STANDARD = {
    "Add": binary(np.add), "Sub": binary(np.subtract), "Mul": binary(np.multiply),
    "Div": binary(div), "Pow": binary(powr), "PRelu": prelu,
    "And": binary(np.logical_and), "Or": binary(np.logical_or),
    "Greater": binary(np.greater), "GreaterOrEqual": binary(np.greater_equal),
    "Less": binary(np.less), "LessOrEqual": binary(np.less_equal), "Equal": binary(np.equal),
    "Min": variadic(np.minimum), "Max": variadic(np.maximum), "Sum": variadic(np.add),
    "Mean": mean, "Where": where,
    "Neg": unary(np.negative), "Abs": unary(np.abs), "Sign": unary(np.sign),
    "Not": unary(np.logical_not), "Sqrt": unary(np.sqrt),
    "Exp": unary(via64(np.exp)), "Log": unary(via64(np.log)), "Erf": unary(via64(erf64)),
    "Reciprocal": unary(lambda x: x.dtype.type(1) / x),
    "Relu": unary(lambda x: np.maximum(x, x.dtype.type(0))),
    "LeakyRelu": leaky_relu, "Elu": elu, "Selu": selu,
    "Sigmoid": unary(via64(lambda v: 1 / (1 + np.exp(-v)))), "HardSigmoid": hard_sigmoid,
    "Tanh": unary(via64(np.tanh)), "Softplus": unary(via64(lambda v: np.logaddexp(0, v))),
    "Softsign": unary(via64(lambda v: v / (1 + np.abs(v)))),
    "Round": unary(np.round), "Floor": unary(np.floor), "Ceil": unary(np.ceil),
    "Clip": clip, "Cast": cast, "Identity": unary(lambda x: x), "Dropout": dropout,
    "MatMul": matmul, "Gemm": gemm, "Conv": conv, "ConvTranspose": conv_transpose,
    "MaxPool": max_pool, "AveragePool": average_pool,
    "GlobalAveragePool": global_pool(np.mean), "GlobalMaxPool": global_pool(np.max),
    "BatchNormalization": batch_norm, "InstanceNormalization": instance_norm,
    "Softmax": softmax_like(False), "LogSoftmax": softmax_like(True),
    "ReduceMean": reduce(np.mean, 18), "ReduceSum": reduce(np.sum, 13),
    "ReduceMax": reduce(np.max, 18), "ReduceMin": reduce(np.min, 18),
    "Flatten": flatten, "Reshape": reshape, "Transpose": transpose, "Squeeze": squeeze,
    "Unsqueeze": unsqueeze, "Concat": concat, "Split": split, "Slice": slice_,
    "Gather": gather, "Shape": shape_, "Expand": expand, "Tile": tile, "Pad": pad,
    "Resize": resize, "Upsample": upsample, "DepthToSpace": depth_to_space,
    "SpaceToDepth": space_to_depth, "Constant": constant,
}
QONNX = {"Quant": int_quant, "IntQuant": int_quant, "BipolarQuant": bipolar_quant,
         "Trunc": trunc}
LAYOUT = {"Conv": cl_conv, "MaxPool": cl_max_pool, "BatchNormalization": cl_batch_norm}


def kernel_for(n):
    if n.domain in ("", "ai.onnx"):
        table = STANDARD
    elif n.domain in QONNX_DOMAINS:
        table = QONNX
    elif n.domain == CHANNELS_LAST:
        table = LAYOUT
    else:
        table = {}
    if n.op not in table:
        raise NotImplementedError("reference has no %s:%s" % (n.domain, n.op))
    return table[n.op]


def widen(a):
    return a.astype(np.float64) if a.dtype == np.float32 else a


def run_model(model, inputs, wide=False, absolute=False):
    """Runs model (ModelProto or path) on inputs (list of arrays, graph-input
    order, initializers excluded); returns the graph outputs. absolute=True
    replaces every float input and initializer by its absolute value first
    (see the accum class in compare.py)."""
    if isinstance(model, str):
        model = onnx.load(model)
    g = model.graph
    opsets = {o.domain or "": o.version for o in model.opset_import}
    env = {}
    for t in g.initializer:
        env[t.name] = numpy_helper.to_array(t)
    real_inputs = [i.name for i in g.input if i.name not in env]
    if len(real_inputs) != len(inputs):
        raise ValueError("model has %d inputs, %d given" % (len(real_inputs), len(inputs)))
    for name, a in zip(real_inputs, inputs):
        env[name] = np.asarray(a)
    if wide:
        env = {k: widen(v) for k, v in env.items()}
    if absolute:
        env = {k: np.abs(v) if v.dtype.kind == "f" else v for k, v in env.items()}
    for p in g.node:
        n = Node(p, opsets.get(p.domain if p.domain != "ai.onnx" else "", 1))
        args = [env[i] if i else None for i in p.input]
        while args and args[-1] is None:
            args.pop()
        fn = kernel_for(n)
        if n.op == "Split" and n.domain in ("", "ai.onnx"):
            outs = fn(n, *args, **({} if len(args) > 1 else {"noutputs": len(p.output)}))
        elif n.op in ("Quant", "IntQuant", "BipolarQuant", "Trunc") and wide:
            raise ValueError("quantizers are only evaluated in float32")
        else:
            outs = fn(n, *args)
        for name, v in zip(p.output, outs):
            if name:
                env[name] = np.asarray(v)
    return [env[o.name] for o in g.output]
