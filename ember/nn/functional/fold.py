"""``unfold`` (im2col: sliding blocks as columns) and ``fold`` (its adjoint: columns summed back
into an image), composites of ``pad``/``index_select``/``index_add`` so every derivative, the
forward mode and vmap come from those ops."""
import numpy as np

import ember
from ..._tensor import make_tensor

__all__ = ["unfold", "fold"]


def _pair(v, name, op):
    t = tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    if len(t) != 2:
        raise RuntimeError(f"{op}(): expected {name} to be a single integer or a pair")
    return tuple(int(a) for a in t)


def _blocks(n_padded, k, d, s):
    """(number of blocks, (blocks * k) flat input positions: block o, tap j -> o s + j d)."""
    n = (n_padded - d * (k - 1) - 1) // s + 1
    return max(n, 0), (np.arange(max(n, 0))[:, None] * s + np.arange(k) * d).reshape(-1)


def _args(op, kernel_size, dilation, padding, stride):
    k = _pair(kernel_size, "kernel_size", op)
    d = _pair(dilation, "dilation", op)
    p = _pair(padding, "padding", op)
    s = _pair(stride, "stride", op)
    for (a, b), what, names in ((k, "kernel size", "kernel"), (d, "dilation", "dilation"),
                                (s, "stride", "stride")):
        if a <= 0 or b <= 0:
            raise RuntimeError(f"{what} should be greater than zero, but got {names}_height: "
                               f"{a} {names}_width: {b}")
    if min(p) < 0:
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} "
                           f"pad_width: {p[1]}")
    return k, d, p, s


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C, H, W) -> (N, C kh kw, L): every kernel-sized block as a column (the block's
    channel-major values), blocks in row-major order."""
    op = "unfold"
    n = input.ndim
    if n == 0:                  # PyTorch indexes the (missing) channel dims first
        raise IndexError("Dimension specified as 1 but tensor has no dimensions")
    if n < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {n})")
    if input.ndim > 4:
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size "
                           f"and other non-zero dimensions for input, but got: "
                           f"{list(input.shape)}")
    x = input if input.ndim == 4 else ember.unsqueeze(input, 0)
    k, d, p, s = _args(op, kernel_size, dilation, padding, stride)
    N, C, H, W = x.shape
    if p != (0, 0):
        x = ember.nn.functional.pad(x, (p[1], p[1], p[0], p[0]))
    oh, rows = _blocks(H + 2 * p[0], k[0], d[0], s[0])
    ow, cols = _blocks(W + 2 * p[1], k[1], d[1], s[1])
    if oh == 0 or ow == 0:
        raise RuntimeError(f"Given input with spatial size ({H}, {W}), kernel_size={k}, "
                           f"dilation={d}, padding={p}, calculated shape of the array of "
                           f"sliding blocks as ({oh}, {ow}), but its components must be at "
                           f"least one.")
    x = ember.index_select(x, 2, make_tensor(rows))               # (N, C, oh kh, Wp)
    x = ember.index_select(x, 3, make_tensor(cols))               # (N, C, oh kh, ow kw)
    x = ember.reshape(x, (N, C, oh, k[0], ow, k[1]))
    x = ember.permute(x, (0, 1, 3, 5, 2, 4))
    out = ember.reshape(x, (N, C * k[0] * k[1], oh * ow))
    return out if input.ndim == 4 else ember.squeeze(out, 0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C kh kw, L) -> (N, C, H, W): the adjoint of ``unfold`` (overlaps are summed)."""
    op = "fold"
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors "
                           f"are supported (got {input.ndim}D)")
    x = input if input.ndim == 3 else ember.unsqueeze(input, 0)
    k, d, p, s = _args(op, kernel_size, dilation, padding, stride)
    H, W = _pair(output_size, "output_size", op)
    N, CK, L = x.shape
    if CK % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the "
                           f"product of kernel_size, but got input.size(1)={CK} and "
                           f"kernel_size={k}")
    Hp, Wp = H + 2 * p[0], W + 2 * p[1]
    oh, rows = _blocks(Hp, k[0], d[0], s[0])
    ow, cols = _blocks(Wp, k[1], d[1], s[1])
    if oh * ow != L:
        raise RuntimeError(f"Given output_size=({H}, {W}), kernel_size={k}, dilation={d}, "
                           f"padding={p}, stride={s}, expected size of input's dimension 2 to "
                           f"match the calculated number of sliding blocks {oh} * {ow} = "
                           f"{oh * ow}, but got input.size(2)={L}.")
    C = CK // (k[0] * k[1])
    x = ember.reshape(x, (N, C, k[0], k[1], oh, ow))
    x = ember.permute(x, (0, 1, 4, 2, 5, 3))                      # (N, C, oh, kh, ow, kw)
    x = ember.reshape(x, (N, C, oh * k[0], ow * k[1]))
    y = ember.index_add(ember.zeros((N, C, oh * k[0], Wp), dtype=x.dtype), 3,
                        make_tensor(cols), x)
    y = ember.index_add(ember.zeros((N, C, Hp, Wp), dtype=x.dtype), 2, make_tensor(rows), y)
    y = y[:, :, p[0]:p[0] + H, p[1]:p[1] + W]
    return y if input.ndim == 3 else ember.squeeze(y, 0)
