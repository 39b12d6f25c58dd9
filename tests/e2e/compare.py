"""compare.py: how a qonnxc result is compared with the reference, per
comparison class, and how a mismatch is described.

The classes and why each tolerance is what it is (u = 2^-24, the float32
unit roundoff; "ulp" is one unit in the last place of the float32 result):

exact      bit-for-bit equal values (NaN equal to NaN, -0.0 equal to 0.0).
           For data movement, comparisons, integer arithmetic, Relu/Abs/Neg,
           Floor/Ceil/Round, and the operations IEEE 754 rounds correctly in
           float32 (+ - * / sqrt of two float32 values: the float32 result and
           the float64 result rounded to float32 are the same number). Every
           quantizer is compared exactly: QONNX.md defines it in float32
           arithmetic, and its inputs are chosen so that the rounding ties
           x / scale = k + 0.5 are exactly representable.

ulp        rtol 2^-20 (8 ulp), atol 2^-22. One transcendental function or a
           short composition of one with at most three correctly rounded
           operations (Sigmoid, Softsign, Elu, Selu, HardSigmoid, Pow).
           glibc's float functions are within 1-2 ulp, the reference is the
           float64 value rounded once (0.5 ulp), each further float32 step
           adds 0.5 ulp: at most ~4 ulp, doubled for margin. The atol covers
           results computed by cancellation near zero (exp(x) - 1 for x near
           0, log(1 + e^x) for very negative x), whose error is an ulp of the
           intermediate value 1, i.e. 2^-23; twice that.

composite  rtol 1e-5, atol 1e-5. Normalizations, Softmax/LogSoftmax, linear
           Resize and small graphs mixing them: about ten float32 roundings of
           intermediates of magnitude up to ~10 (inputs are in [-4, 4]); the
           worst case estimate is 10 * u * 10 ~ 6e-6 absolute, and the
           relative error of a normalized result stays below 2e-6. The
           tolerance is the estimate with a factor ~2 margin.

accum      |got - exact| <= 64 * u * sum(|terms|) elementwise, where exact is
           the reference computed in float64 and sum(|terms|) is the same
           reference run on the absolute values of every float input and
           initializer (for these ops, all linear in each float operand,
           that is exactly the sum of the magnitudes of the products being
           accumulated). This is the classical bound gamma_K * sum|a_i b_i|
           for K-term float32 summation in any order (Higham, Accuracy and
           Stability, 3.1), with K below 60 in every case (largest fan-in:
           Conv3d 2x2x3x3 = 36 terms, plus bias, alpha, beta and the final
           division of a mean). It holds for any summation order, with or
           without fused multiply-add.
"""
import numpy as np

U = 2.0 ** -24
ACCUM_GAMMA = 64 * U

TOLERANCES = {  # class -> (rtol, atol)
    "exact": (0.0, 0.0),
    "ulp": (2.0 ** -20, 2.0 ** -22),
    "composite": (1e-5, 1e-5),
}


def expected_dtype(ref):
    """The .npy dtype qonnxc writes for a result of the reference's type."""
    if ref.dtype == np.bool_:
        return np.dtype("|b1")
    if ref.dtype.kind in "iu":
        return np.dtype("<i8")
    if ref.dtype == np.float64:
        return np.dtype("<f8")
    return np.dtype("<f4")


def allowed_error(tol, exp, absref=None):
    """Per-element allowed |got - exp|."""
    if tol == "accum":
        return ACCUM_GAMMA * np.abs(absref.astype(np.float64))
    rtol, atol = TOLERANCES[tol]
    return atol + rtol * np.abs(exp.astype(np.float64))


def mismatches(got, exp, tol, absref=None):
    """Boolean array of elements outside the tolerance (shapes must match)."""
    if exp.dtype.kind in "biu" or tol == "exact":
        same = got == exp
        if exp.dtype.kind == "f":
            same |= np.isnan(got) & np.isnan(exp)
        return ~same
    g = got.astype(np.float64)
    e = exp.astype(np.float64)
    bad = ~(np.abs(g - e) <= allowed_error(tol, exp, absref))
    both_nan = np.isnan(g) & np.isnan(e)
    same_inf = np.isinf(g) & (g == e)
    return bad & ~both_nan & ~same_inf


def describe(got, exp, bad, tol, absref=None, x=None, limit=8):
    """A few lines naming the first mismatching elements."""
    idx = np.argwhere(bad)
    lines = ["%d of %d elements differ (comparison class %s)" % (len(idx), bad.size, tol)]
    allowed = None
    if exp.dtype.kind == "f" and tol != "exact":
        allowed = allowed_error(tol, exp, absref)
    for i in idx[:limit]:
        i = tuple(i)
        line = "  at %s: expected %r, got %r" % (list(i), exp[i].item(), got[i].item())
        if x is not None and x.shape == exp.shape:
            line += " (input %r)" % x[i].item()
        if allowed is not None:
            line += ", |diff| %.3g > allowed %.3g" % (abs(float(got[i]) - float(exp[i])),
                                                       float(allowed[i]))
        lines.append(line)
    return "\n".join(lines)


def check_output(label, got, exp, tol, absref=None, x=None, want_dtype=None):
    """Returns None when got matches exp, else a description of the difference.
    want_dtype: the .npy dtype expected (default: from exp's type; pass it
    when exp was computed in float64 for the accum class)."""
    want_dtype = want_dtype or expected_dtype(exp)
    if got.dtype != want_dtype:
        return "%s: .npy dtype %s, expected %s" % (label, got.dtype.str, want_dtype.str)
    if got.shape != exp.shape:
        return "%s: shape %s, expected %s" % (label, list(got.shape), list(exp.shape))
    ref = exp.astype(got.dtype) if tol != "accum" else exp
    bad = mismatches(got, ref, tol, absref)
    if not bad.any():
        return None
    return "%s: %s" % (label, describe(got, ref, bad, tol, absref, x))
