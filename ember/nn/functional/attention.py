"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward`` (the
functional core of ``nn.MultiheadAttention``), as composites of matmul and softmax."""
import math
import warnings

import numpy as np

import ember
from ..._tensor import make_tensor
from .activation import softmax
from .dropout import dropout
from .linear import linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _causal(L, S):
    return make_tensor(np.tril(np.ones((L, S), dtype=bool)))


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(q k^T * scale + mask) v over the last two dims.

    A boolean ``attn_mask`` marks the pairs that may attend (True); a float one is added to
    the scores.  Rows with no allowed key give zeros (as PyTorch's CPU kernels do), with
    finite gradients."""
    L, S = query.shape[-2], key.shape[-2]
    E = query.shape[-1]
    scale = 1.0 / math.sqrt(E) if scale is None else scale
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        key, value = _repeat_heads(key, query.shape[-3]), _repeat_heads(value, query.shape[-3])
    scores = ember.matmul(query, ember.transpose(key, -2, -1)) * scale
    allowed = None
    if is_causal:
        allowed = _causal(L, S)
    if attn_mask is not None:
        if attn_mask.dtype == ember.bool:
            allowed = attn_mask if allowed is None else ember.logical_and(allowed, attn_mask)
        else:
            scores = scores + attn_mask
    if allowed is not None:
        allowed = ember.broadcast_to(allowed, scores.shape)
        any_allowed = ember.any(allowed, -1, keepdim=True)
        keep = ember.logical_or(allowed, ember.logical_not(any_allowed))
        scores = ember.where(keep, scores, ember.full_like(scores, -math.inf))
    attn = softmax(scores, -1)
    if allowed is not None:
        attn = ember.where(any_allowed, attn, ember.zeros_like(attn))
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, True)
    return ember.matmul(attn, value)


def _repeat_heads(t, heads):
    """(…, Hk, S, E) -> (…, heads, S, E), each key/value head shared by heads/Hk queries."""
    s = tuple(t.shape)
    rep = heads // s[-3]
    t = ember.unsqueeze(t, -3)
    t = ember.expand(t, s[:-2] + (rep,) + s[-2:])
    return ember.reshape(t, s[:-3] + (heads,) + s[-2:])


def _as_float_mask(mask, dtype):
    """MultiheadAttention's convention: True (or a nonzero float) blocks a position."""
    if mask is None:
        return None
    if mask.dtype == ember.bool:
        zeros = ember.zeros(tuple(mask.shape), dtype=dtype)
        return ember.masked_fill(zeros, mask, -math.inf)
    if not mask.dtype.is_floating_point:
        raise AssertionError("only bool and floating types of masks are supported")
    return mask


def _canonical_masks(key_padding_mask, attn_mask, dtype, kpm_name="key_padding_mask",
                     mask_name="attn_mask"):
    """Both masks as additive float masks; mixing a bool and a float mask is deprecated in
    PyTorch and warns the same way here."""
    if key_padding_mask is not None and attn_mask is not None and \
            (key_padding_mask.dtype == ember.bool) != (attn_mask.dtype == ember.bool):
        warnings.warn(f"Support for mismatched {kpm_name} and {mask_name} is deprecated. Use "
                      "same type for both instead.", stacklevel=3)
    return _as_float_mask(key_padding_mask, dtype), _as_float_mask(attn_mask, dtype)


def _pad_last(t, value=0.0):
    if t is None:
        return None
    col = ember.full(tuple(t.shape[:-1]) + (1,), value, dtype=t.dtype)
    return ember.cat([t, col], -1)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Sequence-first (L, N, E) multi-head attention; returns ``(output, weights)`` with the
    weights averaged over heads unless ``average_attn_weights=False`` (None unless
    ``need_weights``)."""
    batched = query.ndim == 3
    if not batched:
        query, key, value = (ember.unsqueeze(t, 1) for t in (query, key, value))
        if key_padding_mask is not None:
            key_padding_mask = ember.unsqueeze(key_padding_mask, 0)
    L, N, E = query.shape
    S = key.shape[0]
    if E != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {E}")
    hd = E // num_heads
    if hd * num_heads != E:
        raise AssertionError(f"embed_dim {E} not divisible by num_heads {num_heads}")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if use_separate_proj_weight:
        b_q = b_k = b_v = None
        if in_proj_bias is not None:
            b_q, b_k, b_v = ember.chunk(in_proj_bias, 3)
        q = linear(query, q_proj_weight, b_q)
        k = linear(key, k_proj_weight, b_k)
        v = linear(value, v_proj_weight, b_v)
    else:
        w_q, w_k, w_v = ember.chunk(in_proj_weight, 3)
        b_q = b_k = b_v = None
        if in_proj_bias is not None:
            b_q, b_k, b_v = ember.chunk(in_proj_bias, 3)
        q, k, v = linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)

    key_padding_mask, attn_mask = _canonical_masks(key_padding_mask, attn_mask, q.dtype)
    if attn_mask is not None and attn_mask.ndim == 2:
        if tuple(attn_mask.shape) != (L, S):
            raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should "
                               f"be {(L, S)}.")
        attn_mask = ember.unsqueeze(attn_mask, 0)
    elif attn_mask is not None and tuple(attn_mask.shape) != (N * num_heads, L, S):
        raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                           f"{(N * num_heads, L, S)}.")
    if bias_k is not None and bias_v is not None:
        k = ember.cat([k, ember.expand(bias_k, (1, N, E))])
        v = ember.cat([v, ember.expand(bias_v, (1, N, E))])
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)

    # (L, N, E) -> (N * H, L, hd)
    q = ember.transpose(ember.reshape(q, (L, N * num_heads, hd)), 0, 1)
    k = ember.transpose(ember.reshape(k, (k.shape[0], N * num_heads, hd)), 0, 1) \
        if static_k is None else static_k
    v = ember.transpose(ember.reshape(v, (v.shape[0], N * num_heads, hd)), 0, 1) \
        if static_v is None else static_v
    if add_zero_attn:
        k = ember.cat([k, ember.zeros((N * num_heads, 1, hd), dtype=k.dtype)], 1)
        v = ember.cat([v, ember.zeros((N * num_heads, 1, hd), dtype=v.dtype)], 1)
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)
    S = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (N, S):
            raise AssertionError(f"expecting key_padding_mask shape of {(N, S)}, but got "
                                 f"{tuple(key_padding_mask.shape)}")
        kpm = ember.reshape(ember.expand(ember.reshape(key_padding_mask, (N, 1, 1, S)),
                                         (N, num_heads, 1, S)), (N * num_heads, 1, S))
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0

    scores = ember.matmul(q * (1.0 / math.sqrt(hd)), ember.transpose(k, 1, 2))
    if attn_mask is not None:
        scores = scores + attn_mask
    weights = softmax(scores, -1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    out = ember.matmul(weights, v)                                   # (N*H, L, hd)
    out = ember.reshape(ember.transpose(out, 0, 1), (L * N, E))
    out = ember.reshape(linear(out, out_proj_weight, out_proj_bias), (L, N, E))
    if not batched:
        out = ember.squeeze(out, 1)
    if not need_weights:
        return out, None
    weights = ember.reshape(weights, (N, num_heads, L, S))
    if average_attn_weights:
        weights = ember.mean(weights, 1)
    if not batched:
        weights = ember.squeeze(weights, 0)
    return out, weights

