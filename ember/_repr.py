"""Tensor printing in PyTorch's exact format (``tensor([[1., 2.], ...``).

The layout rules are PyTorch's: one formatter per tensor decides between integer-looking
floats (``1.``), fixed point (``0.1235``) and scientific notation from the nonzero finite
values that will be shown; every element is padded to the widest; rows wrap at ``linewidth``;
tensors above ``threshold`` elements are summarised with ``...`` keeping ``edgeitems`` per
edge; suffixes (dtype, grad_fn, requires_grad, size for empty tensors) follow PyTorch's
choice of when they are shown.  Everything here works on NumPy copies, never on ember ops, so
printing records nothing and costs nothing on the autograd tape.
"""
import contextlib
import math

import numpy as np

from . import _dtype as D
from ._backend import to_numpy

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "tensor_repr"]


class _PrintOptions:
    precision = 4
    threshold = 1000
    edgeitems = 3
    linewidth = 80
    sci_mode = None


OPTS = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set options for printing tensors (as ``torch.set_printoptions``).

    ``profile`` ('default', 'short', 'full') sets the four sizes first; the explicit arguments
    override it.  ``sci_mode`` is always set: None lets each tensor choose."""
    for k, v in _PROFILES.get(profile, {}).items():
        setattr(OPTS, k, v)
    for k, v in (("precision", precision), ("threshold", threshold),
                 ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if v is not None:
            setattr(OPTS, k, v)
    OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current print options as a dict."""
    return {k: getattr(OPTS, k) for k in
            ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")}


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# ---------------------------------------------------------------- element formatting

class _Formatter:
    """Chooses one format (and width) for all elements of a real tensor.

    ``values`` is the flat array of the elements that will be printed."""

    def __init__(self, values):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        p = OPTS.precision
        if not self.floating:
            for v in values.tolist():
                self.width = max(self.width, len(str(v)))
            return
        vals = values.astype(np.float64)
        shown = vals[np.isfinite(vals) & (vals != 0)]
        if shown.size == 0:
            return
        absv = np.abs(shown)
        lo, hi = float(absv.min()), float(absv.max())
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        sci = OPTS.sci_mode
        self.sci_mode = (hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4) if sci is None else sci
        items = shown.tolist()
        if self.sci_mode:
            self.width = max(len(f"{v:.{p}e}") for v in items)
        elif self.int_mode:
            self.width = max(len(f"{v:.0f}") + 1 for v in items)
        else:
            self.width = max(len(f"{v:.{p}f}") for v in items)

    def format(self, v):
        if not self.floating:
            s = str(v)
        elif self.sci_mode:
            s = f"{v:{self.width}.{OPTS.precision}e}"
        elif self.int_mode:
            s = f"{v:.0f}"
            if not (math.isinf(v) or math.isnan(v)):
                s += "."
        else:
            s = f"{v:.{OPTS.precision}f}"
        return " " * (self.width - len(s)) + s


class _ComplexFormatter:
    """Real and imaginary parts formatted independently, joined as ``a+bj``."""

    def __init__(self, real, imag):
        self.re = _Formatter(real)
        self.im = _Formatter(imag)
        self.width = self.re.width + self.im.width + 1

    def format(self, v):
        re = self.re.format(v.real)
        im = (self.im.format(v.imag) + "j").lstrip()
        return re + im if im[0] in "+-" else re + "+" + im


# ---------------------------------------------------------------- layout

def _summarized(a, e):
    """Only the elements a summarised print shows (``e`` from each edge of every dim)."""
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return np.concatenate((a[:e], a[-e:])) if a.shape[0] > 2 * e else a
    if not e:
        return a[(slice(0, 0),) * a.ndim]
    n = a.shape[0]
    rows = list(range(e)) + list(range(n - e, n)) if n > 2 * e else range(n)
    return np.stack([_summarized(a[i], e) for i in rows])


def _vector(a, indent, summarize, fmt):
    e = OPTS.edgeitems
    per_line = max(1, int(math.floor((OPTS.linewidth - indent) / (fmt.width + 2))))
    if summarize and not e:
        items = ["..."]
    elif summarize and a.shape[0] > 2 * e:
        items = ([fmt.format(v) for v in a[:e].tolist()] + [" ..."] +
                 [fmt.format(v) for v in a[-e:].tolist()])
    else:
        items = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _block(a, indent, summarize, fmt):
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt)
    e = OPTS.edgeitems
    n = a.shape[0]
    if summarize and n > 2 * e:
        parts = ([_block(a[i], indent + 1, summarize, fmt) for i in range(e)] + ["..."] +
                 [_block(a[i], indent + 1, summarize, fmt) for i in range(n - e, n)])
    else:
        parts = [_block(a[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _body(a, indent):
    """The bracketed contents of a non-empty array."""
    summarize = a.size > OPTS.threshold
    if a.dtype == np.float16:
        a = a.astype(np.float32)
    e = OPTS.edgeitems
    shown = _summarized(a, e) if summarize else a
    if a.dtype.kind == "c":
        fmt = _ComplexFormatter(shown.real.reshape(-1), shown.imag.reshape(-1))
    else:
        fmt = _Formatter(shown.reshape(-1))
    return _block(a, indent, summarize, fmt)


def _with_suffixes(text, suffixes, indent):
    out = [text]
    last = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > OPTS.linewidth:
            out.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            out.append(", " + s)
            last += len(s) + 2
    out.append(")")
    return "".join(out)


def tensor_repr(t, tensor_contents=None):
    """``repr`` of a plain tensor (or a Parameter / other subclass) in PyTorch's format."""
    from ._tensor import Tensor
    cls = type(t)
    plain = cls is Tensor or cls.__name__ == "Parameter"
    prefix = "tensor(" if plain else cls.__name__ + "("
    indent = len(prefix)
    suffixes = []
    dev = t.device
    if dev.type != "cpu":
        suffixes.append(f"device='{dev}'")
    dt = t.dtype
    default = D.get_default_dtype()
    a = to_numpy(t._data)
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append("size=" + str(tuple(a.shape)))
        if dt is not default:
            suffixes.append("dtype=" + repr(dt))
        body = "[]"
    else:
        if not OPTS.edgeitems:
            suffixes.append("size=" + str(tuple(a.shape)))
        if dt not in (default, D._default_complex(), D.int64, D.bool):
            suffixes.append("dtype=" + repr(dt))
        body = _body(a, indent)
    if tensor_contents is not None:
        body = tensor_contents
    fn = t._grad_fn
    if fn is not None:
        suffixes.append(f"grad_fn=<{fn.name().rsplit('::', 1)[-1]}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, indent)
