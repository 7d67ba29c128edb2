"""``embedding`` (a primitive, ``EmbeddingBackward0``, whose gradient is a scatter-add into the
rows, zeroed at ``padding_idx``) and ``one_hot``."""
import numpy as np

import ember
from ..._tensor import Tensor, make_tensor
from ...autograd.grad_mode import no_grad
from ...ops._primitive import Primitive
from ...ops._util import move_bdim_to_front, npdtype

__all__ = ["embedding", "one_hot"]


def _emb_impl(w, idx, padding_idx, period):
    if idx.size and (idx.min() < 0 or idx.max() >= w.shape[0]):
        raise IndexError("index out of range in self")
    return np.take(w, idx, axis=0)


def _emb_bwd_impl(g, idx, num_weights):
    D = g.shape[-1]
    out = np.zeros((num_weights, D), dtype=g.dtype)
    np.add.at(out, idx.reshape(-1), g.reshape(-1, D))
    return out


def _row_mask(num_weights, padding_idx, period, like):
    """(V, 1) constant that zeroes the rows of ``padding_idx`` (one per block of ``period``)."""
    keep = (np.arange(num_weights) % period) != padding_idx
    return make_tensor(keep.astype(npdtype(like))[:, None])


def _emb_vjp(g, out, w, idx, padding_idx, period):
    V = w.shape[0]
    gw = _emb_bwd(g, idx, num_weights=V)
    if padding_idx is None:
        return gw
    return ember.mul(gw, _row_mask(V, padding_idx, period, gw))


def _offsets(idx, B, V):
    """Indices into B stacked copies of a V-row table: idx[b] + b * V."""
    shift = ember.arange(B, dtype=idx.dtype) * V
    return idx + ember.reshape(shift, (B,) + (1,) * (idx.ndim - 1))


def _emb_batch(prim, args, batched, padding_idx, period):
    w, idx = args
    if not batched[0]:
        return prim(w, idx, padding_idx=padding_idx, period=period)
    B, V = w.shape[0], w.shape[1]
    idx = _offsets(move_bdim_to_front(idx, batched[1], B), B, V)
    flat = ember.reshape(w, (B * V,) + tuple(w.shape[2:]))
    return prim(flat, idx, padding_idx=padding_idx, period=V)


def _emb_bwd_batch(prim, args, batched, num_weights):
    g, idx = args
    B = g.shape[0] if batched[0] else idx.shape[0]
    g = move_bdim_to_front(g, batched[0], B)
    idx = _offsets(move_bdim_to_front(idx, batched[1], B), B, num_weights)
    out = prim(g, idx, num_weights=B * num_weights)
    return ember.reshape(out, (B, num_weights) + tuple(out.shape[1:]))


_emb = Primitive("embedding", _emb_impl, vjp=(_emb_vjp, None),
                 jvp=(lambda t, out, w, idx, **p: _emb(t, idx, padding_idx=None, period=1),
                      None),
                 batch=_emb_batch, saves=(1,))
_emb_bwd = Primitive(
    "embedding_dense_backward", _emb_bwd_impl,
    vjp=(lambda G, out, g, idx, num_weights: _emb(G, idx, padding_idx=None, period=1), None),
    jvp=(lambda t, out, g, idx, num_weights: _emb_bwd(t, idx, num_weights=num_weights), None),
    batch=_emb_bwd_batch, saves=(1,))


def _renorm_(weight, input, max_norm, norm_type):
    """PyTorch's ``embedding_renorm_``: rows used by ``input`` whose norm exceeds ``max_norm``
    are rescaled in place (outside autograd)."""
    if weight._is_wrapper or input._is_wrapper:
        raise RuntimeError("embedding(max_norm=...) rescales the weight in place and can't "
                           "run inside a function transform")
    w = weight.detach().numpy()
    rows = np.unique(input.numpy())
    norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    new = w.copy()
    new[rows] = w[rows] * scale[:, None].astype(w.dtype)
    with no_grad():
        weight.copy_(make_tensor(new))


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` looked up by the integer ``input``; the row ``padding_idx`` gets no
    gradient, and with ``max_norm`` looked-up rows are first renormalised in place."""
    if not isinstance(input, Tensor) or input.dtype.name not in ("int64", "int32"):
        name = input.type() if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got {name} instead (while "
                           f"checking arguments for embedding)")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse gradients are not "
                                  "supported by ember")
    V = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0 and padding_idx >= V:
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            if padding_idx < -V:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx += V
    if max_norm is not None:
        _renorm_(weight, input, max_norm, norm_type)
    return _emb(weight, input, padding_idx=padding_idx, period=V)


def one_hot(tensor, num_classes=-1):
    """(…,) class indices -> (…, num_classes) int64 one-hot vectors."""
    if not isinstance(tensor, Tensor) or tensor.dtype.name != "int64":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if not tensor._is_wrapper and tensor.numel():
        vals = tensor.numpy()
        if vals.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if num_classes == -1:
            num_classes = int(vals.max()) + 1
        elif vals.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    elif num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        raise RuntimeError("one_hot: num_classes=-1 needs the values of the tensor, which are "
                           "not available inside a function transform; pass num_classes")
    classes = ember.arange(num_classes)
    return ember.eq(ember.unsqueeze(tensor, -1), classes).to(ember.int64)
