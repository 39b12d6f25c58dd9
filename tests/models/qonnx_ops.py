"""qonnx_ops.py: models of the QONNX quantizers (../shared/QONNX.md):
IntQuant/Quant, BipolarQuant and Trunc (version 1 with 5 inputs, version 2
with 6), across their attribute combinations.

Inputs are built as x = scale * t with power-of-two scales, so x / scale = t
exactly in float32 and the rounding ties t = k + 0.5 are hit exactly; t also
covers the values just below and above a tie (one float32 ulp away), every
integer of the clamp range for small bit widths, and values far beyond the
clamp range (up to float32 overflow of x / scale). A few families use scales
that are not powers of two, where float32 rounding of x / scale decides.
Every quantizer comparison is exact (tests/e2e/compare.py).
"""
import numpy as np

from modelkit import QDOMAIN, Case, const, f32, model, node, rng

G = "qonnx"
MODES = ["ROUND", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN"]
BITS = [1, 2, 4, 8, 16, 24]


def int_range(bits, signed, narrow):
    if signed:
        return -(2 ** (bits - 1)) + narrow, 2 ** (bits - 1) - 1
    return 0, 2 ** bits - 1 - narrow


def grid(lo, hi, r):
    """Values of x / scale (float64) that exercise every rounding decision."""
    if hi - lo <= 20:
        ks = list(range(lo - 2, hi + 3))
    else:
        ks = {lo - 2, lo - 1, lo, lo + 1, lo + 2, -3, -2, -1, 0, 1, 2, 3, hi - 2, hi - 1, hi,
              hi + 1, hi + 2}
        ks |= set(int(k) for k in r.integers(lo, hi, 8))
        ks = sorted(ks)
    t = []
    for k in ks:
        t += [k, k + 0.5, k + 0.25, k + 0.75, k - 0.5]
    for k in range(-3, 4):  # one float32 ulp either side of the ties near zero
        tie = np.float32(k + 0.5)
        t += [float(np.nextafter(tie, np.float32(-np.inf))),
              float(np.nextafter(tie, np.float32(np.inf)))]
    t += [lo - 100.5, hi + 100.5, 4.0 * lo - 7, 4.0 * hi + 7, 1e30, -1e30, 3e38, -3e38, -0.0]
    return np.array(t, dtype=np.float64)


def on_grid(t, scale):
    # Saturates instead of overflowing for the +-3e38 entries.
    with np.errstate(over="ignore"):
        x = np.clip(t * scale, -3.4e38, 3.4e38)
    return f32(x)


def quant_model(name, x, scale, zeropt, bits, attrs, op="Quant", domain=QDOMAIN,
                bits_dtype=np.float32, opset_import=True, what=None):
    inits = [const("scale", f32(scale)), const("zeropt", f32(zeropt)),
             const("bitwidth", np.asarray(bits, dtype=bits_dtype))]
    n = node(op, ["x", "scale", "zeropt", "bitwidth"], ["y"], name="quant", domain=domain,
             **attrs)
    extra = [(domain, 1)] if opset_import else []
    m = model([n], [("x", x)], [("y", np.float32, list(x.shape))], inits, opset=13,
              extra_opsets=extra, name=name)
    desc = what or "%s[%s](scale=%s, zeropt=%s, bitwidth=%r %s, %s)" % (
        op, domain, np.asarray(scale).tolist() if np.size(scale) < 5 else "per-channel",
        np.asarray(zeropt).tolist() if np.size(zeropt) < 5 else "per-channel", bits,
        np.dtype(bits_dtype).name, ", ".join("%s=%r" % kv for kv in sorted(attrs.items())))
    return Case(name, m, [x], tol="exact", group=G, what=desc)


def grid_cases():
    """Every rounding mode x signedness x narrow x bit width, per-tensor scale."""
    cases = []
    for mode in MODES:
        for signed in (1, 0):
            for narrow in (0, 1):
                for bits in BITS:
                    name = "quant_%s_%s%d_b%d" % (mode.lower(), "s" if signed else "u", narrow,
                                                  bits)
                    r = rng(name)
                    lo, hi = int_range(bits, signed, narrow)
                    x = on_grid(grid(lo, hi, r), 0.25).reshape(1, -1)
                    attrs = {"signed": signed, "narrow": narrow, "rounding_mode": mode}
                    cases.append(quant_model(name, x, 0.25, 0.0, float(bits), attrs))
    return cases


def variant_cases():
    cases = []
    # IntQuant, the current name, with a nonzero zero point, every mode
    for mode in MODES:
        name = "intquant_%s_zp" % mode.lower()
        lo, hi = int_range(8, 1, 0)
        x = on_grid(grid(lo, hi, rng(name)), 0.125).reshape(1, -1)
        cases.append(quant_model(name, x, 0.125, 3.0, 8.0,
                                 {"signed": 1, "narrow": 0, "rounding_mode": mode},
                                 op="IntQuant"))
    # rounding mode names are case-insensitive
    for mode in MODES + ["half_even"]:
        name = "quant_lower_%s" % mode.lower()
        lo, hi = int_range(4, 1, 0)
        x = on_grid(grid(lo, hi, rng(name)), 0.5).reshape(1, -1)
        cases.append(quant_model(name, x, 0.5, 0.0, 4.0,
                                 {"signed": 1, "narrow": 0, "rounding_mode": mode.lower()}))
    # nonzero per-tensor zero points, including a fractional one
    for zp, signed, bits in [(2.0, 1, 4), (-1.0, 1, 3), (3.0, 0, 4), (7.0, 0, 8), (0.5, 0, 2),
                             (-0.5, 1, 4)]:
        name = "quant_zp%s_%s_b%d" % (str(zp).replace("-", "m").replace(".", "p"),
                                      "s" if signed else "u", bits)
        lo, hi = int_range(bits, signed, 0)
        x = on_grid(grid(lo - int(zp), hi - int(zp), rng(name)), 0.25).reshape(1, -1)
        for mode in ("ROUND", "HALF_UP"):
            cases.append(quant_model(name + "_" + mode.lower(), x, 0.25, zp, float(bits),
                                     {"signed": signed, "narrow": 0, "rounding_mode": mode}))
    # per-channel scales (and zero points) on activations [1,C,H,W] and weights [C,K]
    scales = f32([0.5, 0.25, 2.0, 0.125]).reshape(1, 4, 1, 1)
    for mode in ("ROUND", "FLOOR", "HALF_UP", "HALF_DOWN"):
        for signed in (1, 0):
            name = "quant_perchannel_%s_%s" % (mode.lower(), "s" if signed else "u")
            lo, hi = int_range(3, signed, 0)
            t = grid(lo, hi, rng(name))[:60]
            x = f32(t.reshape(1, 1, 6, 10) * scales)
            cases.append(quant_model(name, x, scales, 0.0, 3.0,
                                     {"signed": signed, "narrow": 0, "rounding_mode": mode}))
    name = "quant_perchannel_zeropt"
    zps = f32([0.0, 1.0, 2.0, 3.0]).reshape(1, 4, 1, 1)
    t = grid(-4, 8, rng(name))[:60]
    x = f32(t.reshape(1, 1, 6, 10) * scales)
    cases.append(quant_model(name, x, scales, zps, 4.0,
                             {"signed": 0, "narrow": 0, "rounding_mode": "ROUND"}))
    name = "quant_weight_rows"
    w_scales = f32([0.25, 0.5, 1.0]).reshape(3, 1)
    t = grid(-8, 7, rng(name))[:3 * 24].reshape(3, 24)
    x = f32(t * w_scales)
    cases.append(quant_model(name, x, w_scales, 0.0, 4.0,
                             {"signed": 1, "narrow": 1, "rounding_mode": "ROUND"}))
    # scale of shape [1] and [1,1] rather than a scalar
    lo, hi = int_range(4, 1, 0)
    x = on_grid(grid(lo, hi, rng("quant_scale_shape1")), 0.5).reshape(1, -1)
    cases.append(quant_model("quant_scale_shape1", x, f32([0.5]), f32([0.0]), 4.0,
                             {"signed": 1, "narrow": 0, "rounding_mode": "ROUND"}))
    # bit width stored as an integer tensor instead of float
    for dt in (np.int64, np.int32):
        name = "quant_bitwidth_%s" % np.dtype(dt).name
        lo, hi = int_range(5, 1, 0)
        x = on_grid(grid(lo, hi, rng(name)), 0.25).reshape(1, -1)
        cases.append(quant_model(name, x, 0.25, 0.0, 5, {"signed": 1, "narrow": 0,
                                                         "rounding_mode": "ROUND"},
                                 bits_dtype=dt))
    # attributes left to their defaults (signed=1, narrow=0, ROUND)
    lo, hi = int_range(3, 1, 0)
    x = on_grid(grid(lo, hi, rng("quant_defaults")), 0.25).reshape(1, -1)
    cases.append(quant_model("quant_defaults", x, 0.25, 0.0, 3.0, {}))
    # scales that are not powers of two: float32 rounding of x / scale decides
    for scale in (0.1, 0.3, 0.0123, 3.7):
        for mode in ("ROUND", "HALF_UP", "HALF_DOWN", "FLOOR"):
            name = "quant_scale%s_%s" % (str(scale).replace(".", "p"), mode.lower())
            r = rng(name)
            lo, hi = int_range(6, 1, 0)
            t = np.concatenate([grid(lo, hi, r)[:-9], r.uniform(lo - 3, hi + 3, 64)])
            x = f32(t * np.float32(scale)).reshape(1, -1)
            cases.append(quant_model(name, x, scale, 0.0, 6.0,
                                     {"signed": 1, "narrow": 0, "rounding_mode": mode}))
    # the same operator in the other domains exporters use, and without an opset import
    lo, hi = int_range(4, 1, 0)
    for dom, label in [("finn.custom_op.general", "finn"), ("onnx.brevitas", "brevitas")]:
        x = on_grid(grid(lo, hi, rng("quant_" + label)), 0.25).reshape(1, -1)
        cases.append(quant_model("quant_domain_" + label, x, 0.25, 0.0, 4.0,
                                 {"signed": 1, "narrow": 1, "rounding_mode": "ROUND"},
                                 domain=dom))
    x = on_grid(grid(lo, hi, rng("intquant_brevitas")), 0.25).reshape(1, -1)
    cases.append(quant_model("intquant_domain_brevitas", x, 0.25, 0.0, 4.0,
                             {"signed": 1, "narrow": 0, "rounding_mode": "ROUND"},
                             op="IntQuant", domain="onnx.brevitas"))
    x = on_grid(grid(lo, hi, rng("quant_no_opset")), 0.25).reshape(1, -1)
    cases.append(quant_model("quant_no_opset_import", x, 0.25, 0.0, 4.0,
                             {"signed": 1, "narrow": 0, "rounding_mode": "ROUND"},
                             opset_import=False))
    return cases


def bipolar_cases():
    cases = []
    base = f32([-3.0, -1.0, -1e-30, -0.0, 0.0, 1e-30, 0.5, 2.0, 1e30, -1e30])
    for label, scale, x in [
            ("tensor", f32(0.5), base.reshape(1, -1)),
            ("shape1", f32([1.5]), base.reshape(2, 5)),
            ("perchannel", f32([0.25, 2.0]).reshape(2, 1), base.reshape(2, 5))]:
        for dom in (QDOMAIN, "finn.custom_op.general"):
            name = "bipolar_%s%s" % (label, "" if dom == QDOMAIN else "_finn")
            n = node("BipolarQuant", ["x", "scale"], ["y"], name="bipolar", domain=dom)
            m = model([n], [("x", x)], [("y", np.float32, list(x.shape))],
                      [const("scale", scale)], extra_opsets=[(dom, 1)], name=name)
            cases.append(Case(name, m, [x], group=G,
                              what="BipolarQuant[%s](scale=%s)" % (dom, scale.tolist())))
    return cases


def trunc_model(name, x, inputs, attrs, what):
    """inputs: list of (name, array) after x, 4 for version 1 and 5 for version 2."""
    inits = [const(n, np.asarray(a)) for n, a in inputs]
    n = node("Trunc", ["x"] + [n for n, _ in inputs], ["y"], name="trunc", domain=QDOMAIN,
             **attrs)
    m = model([n], [("x", x)], [("y", np.float32, list(x.shape))], inits,
              extra_opsets=[(QDOMAIN, 1)], name=name)
    return Case(name, m, [x], group=G, what=what)


def trunc_inputs(r, scale, zeropt, in_bits):
    lo, hi = -(2 ** (in_bits - 1)), 2 ** (in_bits - 1) - 1
    k = np.arange(lo - 2, hi + 3, dtype=np.float64)
    # mostly on the input grid, as after an accumulator; some off it to exercise the
    # first half-to-even rounding (ties included)
    t = np.concatenate([k, r.choice(k, 24) + 0.5, r.choice(k, 24) + 0.3, [-0.5, 0.5, 1.5]])
    return f32((t - zeropt) * scale).reshape(1, -1)


def trunc_cases():
    cases = []
    v1 = [  # label, scale, zeropt, in_bits, out_bits, attrs
        ("default", 0.5, 0.0, 8, 4, {}),
        ("floor", 0.5, 0.0, 8, 4, {"rounding_mode": "FLOOR"}),
        ("round", 0.5, 0.0, 8, 4, {"rounding_mode": "ROUND"}),
        ("ceil", 0.25, 0.0, 8, 3, {"rounding_mode": "CEIL"}),
        ("half_up", 0.5, 0.0, 8, 4, {"rounding_mode": "HALF_UP"}),
        ("half_down", 0.5, 0.0, 8, 4, {"rounding_mode": "HALF_DOWN"}),
        ("up", 0.5, 0.0, 6, 4, {"rounding_mode": "UP"}),
        ("down", 0.5, 0.0, 6, 4, {"rounding_mode": "DOWN"}),
        ("lower_floor", 0.5, 0.0, 8, 4, {"rounding_mode": "floor"}),
        ("zeropt", 0.25, 2.0, 8, 5, {"rounding_mode": "ROUND"}),
        ("same_bits", 0.5, 0.0, 6, 6, {"rounding_mode": "FLOOR"}),
    ]
    name = "trunc1_perchannel"
    scales = f32([0.5, 0.25, 1.0]).reshape(3, 1)
    x = f32(np.concatenate([trunc_inputs(rng(name + str(c)), 1.0, 0.0, 8)[:, :60]
                            for c in range(3)]) * scales)
    ins = [("scale", scales), ("zeropt", f32(0.0)), ("in_bitwidth", f32(8)),
           ("out_bitwidth", f32(4))]
    cases.append(trunc_model(name, x, ins, {"rounding_mode": "ROUND"},
                             "Trunc v1(per-channel scale, in=8, out=4, ROUND)"))
    for label, scale, zp, ib, ob, attrs in v1:
        name = "trunc1_" + label
        x = trunc_inputs(rng(name), scale, zp, ib)
        ins = [("scale", f32(scale)), ("zeropt", f32(zp)), ("in_bitwidth", f32(ib)),
               ("out_bitwidth", f32(ob))]
        cases.append(trunc_model(name, x, ins, attrs,
                                 "Trunc v1(scale=%g, zeropt=%g, in=%d, out=%d, %r)"
                                 % (scale, zp, ib, ob, attrs)))
    v2 = [  # label, scale, zeropt, in_bits, out_scale, out_bits, attrs
        ("default", 0.25, 0.0, 8, 4.0, 4, {}),
        ("round", 0.25, 0.0, 8, 4.0, 4, {"rounding_mode": "ROUND"}),
        ("half_up", 0.25, 0.0, 8, 2.0, 5, {"rounding_mode": "HALF_UP"}),
        ("half_down", 0.25, 0.0, 8, 2.0, 5, {"rounding_mode": "HALF_DOWN"}),
        ("ceil_unsigned", 0.5, 0.0, 8, 4.0, 4, {"rounding_mode": "CEIL", "signed": 0}),
        ("floor_narrow", 0.25, 0.0, 8, 4.0, 4, {"rounding_mode": "FLOOR", "narrow": 1}),
        ("ratio_not_pow2", 0.25, 0.0, 8, 3.75, 4, {"rounding_mode": "ROUND"}),
        ("zeropt", 0.25, 4.0, 8, 1.0, 6, {"rounding_mode": "ROUND"}),
        ("clamped", 0.25, 0.0, 10, 1.0, 3, {"rounding_mode": "DOWN"}),
    ]
    for label, scale, zp, ib, oscale, ob, attrs in v2:
        name = "trunc2_" + label
        x = trunc_inputs(rng(name), scale, zp, ib)
        ins = [("scale", f32(scale)), ("zeropt", f32(zp)), ("in_bitwidth", f32(ib)),
               ("out_scale", f32(oscale)), ("out_bitwidth", f32(ob))]
        cases.append(trunc_model(name, x, ins, attrs,
                                 "Trunc v2(scale=%g, zeropt=%g, in=%d, out_scale=%g, out=%d, %r)"
                                 % (scale, zp, ib, oscale, ob, attrs)))
    return cases


def graph_cases():
    """Quantizers in the arrangements exporters produce (tolerance: the float ops)."""
    cases = []
    r = rng("qgraph_mlp")
    x = f32(r.uniform(-1, 1, [1, 8]))
    w = f32(r.normal(0, 0.5, [8, 4]))
    nodes = [
        node("Quant", ["x", "s_in", "z", "b8"], ["xq"], domain=QDOMAIN, signed=1, narrow=0,
             rounding_mode="ROUND"),
        node("Quant", ["w", "s_w", "z", "b2"], ["wq"], domain=QDOMAIN, signed=1, narrow=1,
             rounding_mode="ROUND"),
        node("MatMul", ["xq", "wq"], ["h"]),
        node("Relu", ["h"], ["hr"]),
        node("Quant", ["hr", "s_act", "z", "b2"], ["y"], domain=QDOMAIN, signed=0, narrow=0,
             rounding_mode="ROUND"),
    ]
    inits = [const("s_in", f32(1 / 64)), const("s_w", f32(0.25)), const("s_act", f32(0.5)),
             const("z", f32(0.0)), const("b8", f32(8.0)), const("b2", f32(2.0)),
             const("w", w)]
    # Brevitas also lists initializers as graph inputs
    m = model(nodes, [("x", x), ("w", w)], [("y", np.float32, [1, 4])], inits,
              extra_opsets=[(QDOMAIN, 1)], name="qgraph_mlp")
    # The product of 8 quantized terms is exact in float32 (8-bit x 2-bit values with
    # power-of-two scales), so the activation quantizer sees the exact sum: exact compare.
    cases.append(Case("qgraph_mlp_initializer_inputs", m, [x], group=G,
                      what="Quant(x) MatMul Quant(w), Relu, Quant; w also a graph input"))
    return cases


def cases():
    return grid_cases() + variant_cases() + bipolar_cases() + trunc_cases() + graph_cases()
