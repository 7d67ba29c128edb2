"""Affine maps and distances: ``linear``, ``bilinear``, ``normalize``, ``cosine_similarity``,
``pairwise_distance`` (composites of ember ops)."""
import ember

__all__ = ["linear", "bilinear", "normalize", "cosine_similarity", "pairwise_distance"]


def linear(input, weight, bias=None):
    """``input @ weight.T + bias``; a 2-D input with a bias is one ``addmm`` (as in PyTorch,
    whose graph shows ``AddmmBackward0``)."""
    if input.ndim == 2 and bias is not None and bias.ndim <= 1:
        return ember.addmm(bias, input, ember.t(weight))
    out = ember.matmul(input, ember.t(weight) if weight.ndim == 2 else weight)
    return out if bias is None else out + bias


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
