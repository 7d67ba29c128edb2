"""Affine maps and distances: ``linear`` (one primitive: the hot path of every MLP),
``bilinear``, ``normalize``, ``cosine_similarity``, ``pairwise_distance`` (composites)."""
import numpy as np

import ember
from ...ops._primitive import Primitive
from ...ops.linalg import _mm
from ...ops.reduction import _sum

__all__ = ["linear", "bilinear", "normalize", "cosine_similarity", "pairwise_distance"]


def _linear_impl(x, w, b):
    out = np.matmul(x, w.T)
    if b is not None:
        out += b
    return out


def _as_rows(t):
    """(..., k) -> (N, k) for the weight gradient's single matmul."""
    return ember.reshape(t, (-1, t.shape[-1])) if t.ndim != 2 else t


def _input_grad(g, out, x, w, b):
    return _mm(g, w) if g.ndim == 2 else ember.matmul(g, w)


def _weight_grad(g, out, x, w, b):
    # g^T x over every leading dim: one (out, N) @ (N, in) product, C-contiguous like w
    return _mm(ember.t(_as_rows(g)), _as_rows(x))


def _bias_grad(g, out, x, w, b):
    lead = tuple(range(g.ndim - 1))
    return _sum(g, dims=lead, keepdim=False, dtype=None) if lead else g


def _linear_batch(prim, args, batched, **params):
    """Unbatched weights: the leading dims of x carry the batch.  Batched weights (an
    ensemble): a batched matmul against w^T, then the bias padded after the batch dim."""
    x, w, b = args
    bx, bw, bb = batched
    if not bw and not bb:
        return prim(x, w, b) if bx else prim(ember.unsqueeze(x, 0), w, b)
    from ...ops.linalg import _batched_general
    lx = x.ndim - bx
    out = _batched_general((x, ember.transpose(w, -1, -2) if bw else ember.t(w)),
                           (bx, bw), (lx, 2))
    if b is not None:
        if bb:
            lo = out.ndim - (1 if bx or bw else 0)      # the product's logical rank
            s = tuple(b.shape)
            b = ember.reshape(b, (s[0],) + (1,) * (lo - 1) + s[1:])
        out = out + b
    return out


def _make_linear(node_name):
    return Primitive(
        "linear" if node_name == "AddmmBackward0" else "linear_nobias", _linear_impl,
        vjp=(_input_grad, _weight_grad, _bias_grad),
        jvp=(lambda t, out, x, w, b: ember.matmul(t, ember.t(w)),
             lambda t, out, x, w, b: ember.matmul(x, ember.t(t)),
             lambda t, out, x, w, b: t),
        batch=_linear_batch, saves={0: (1,), 1: (0,)}, node_name=node_name)


_linear = _make_linear("AddmmBackward0")
_linear_nobias = _make_linear("MmBackward0")


def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` as one primitive (node ``AddmmBackward0`` with a bias, as a
    2-D linear shows in PyTorch); the weight gradient comes out in the weight's layout."""
    if not (input._is_wrapper or weight._is_wrapper or bias is None or bias._is_wrapper):
        # plain tensors (a Linear layer's call): check on the arrays directly
        xd, wd, bd = input._data, weight._data, bias._data
        if wd.ndim == 2 and xd.ndim and bd.ndim == 1 and xd.shape[-1] == wd.shape[1] and \
                bd.shape[0] == wd.shape[0] and xd.dtype == wd.dtype == bd.dtype:
            return _linear(input, weight, bias)
    if weight.ndim != 2 or input.ndim == 0:
        out = ember.matmul(input, ember.t(weight) if weight.ndim == 2 else weight)
        return out if bias is None else out + bias
    if input.shape[-1] != weight.shape[1]:
        rows = "x".join(map(str, (int(np.prod(input.shape[:-1])), input.shape[-1])))
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows} and "
                           f"{weight.shape[1]}x{weight.shape[0]})")
    if input.dtype is not weight.dtype or bias is not None and bias.dtype is not weight.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                           f"{input.dtype.name.capitalize()} and "
                           f"{weight.dtype.name.capitalize()}")
    if bias is None:
        return _linear_nobias(input, weight, None)
    if bias.ndim > 1 or bias.ndim == 1 and bias.shape[0] not in (1, weight.shape[0]):
        return ember.matmul(input, ember.t(weight)) + bias
    return _linear(input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """y_o = x1^T W_o x2 + b_o over the last dims of both inputs."""
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and "
                           f"{input2.ndim}")
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        for a, b in zip(input1.shape[:-1], input2.shape[:-1]):
            if a != b:
                raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {a} "
                                   f"and {b}")
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, but got "
                           f"{weight.ndim}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {weight.shape[2]}")
    # (..., 1, 1, in1) @ (out, in1, in2) -> (..., out, 1, in2), then contract with input2
    left = ember.matmul(ember.unsqueeze(ember.unsqueeze(input1, -2), -2), weight)
    out = ember.sum(ember.squeeze(left, -2) * ember.unsqueeze(input2, -2), -1)
    return out if bias is None else out + bias


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """x / max(||x||_p, eps) along ``dim``."""
    denom = ember.clamp_min(ember.norm(input, p, dim, keepdim=True), eps)
    return input / denom.expand_as(input)


def _unclamped_grad(norm, eps):
    """``max(norm, eps)`` in value, ``norm`` in gradient (PyTorch clamps cosine_similarity's
    norms outside autograd)."""
    return norm + (ember.clamp_min(norm, eps) - norm).detach()


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """<x1, x2> / (max(||x1||, eps) max(||x2||, eps)) along ``dim`` (inputs broadcast)."""
    x1, x2 = ember.broadcast_tensors(x1, x2)
    n1 = _unclamped_grad(ember.linalg.vector_norm(x1, 2, dim, keepdim=True), eps)
    n2 = _unclamped_grad(ember.linalg.vector_norm(x2, 2, dim, keepdim=True), eps)
    return ember.sum((x1 / n1) * (x2 / n2), dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim."""
    d = max(x1.ndim, x2.ndim) - 1
    return ember.norm(x1 - x2 + eps, p, d, keepdim=keepdim)
