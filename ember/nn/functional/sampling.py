"""Resampling: ``interpolate`` (nearest, nearest-exact, linear/bilinear/trilinear, area) and
``pixel_shuffle``/``pixel_unshuffle``.

Interpolation is separable: each spatial dim is resampled with one or two ``index_select``
calls and fixed weights computed from PyTorch's source-index formula, so gradients, forward
mode and vmap come from those differentiable parts.
"""
import math

import numpy as np

import ember

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
           "pixel_unshuffle"]

_LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5}


def _output_size(input, size, scale_factor, recompute_scale_factor):
    """(output sizes, scales for the source-index formula or None per dim)."""
    nd = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if size is not None:
        sizes = size if isinstance(size, (list, tuple)) else [size] * nd
        if len(sizes) != nd:
            raise ValueError(f"Input and output must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of "
                             f"{list(input.shape[2:])} and output size of {sizes}. Please "
                             f"provide input tensor in (N, C, d1, d2, ...,dK) format and output "
                             f"size in (o1, o2, ...,oK) format.")
        return [int(s) for s in sizes], [None] * nd
    factors = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else \
        [scale_factor] * nd
    if len(factors) != nd:
        raise ValueError(f"Input and scale_factor must have the same number of spatial "
                         f"dimensions, but got input with spatial dimensions of "
                         f"{list(input.shape[2:])} and scale_factor of shape {factors}. Please "
                         f"provide input tensor in (N, C, d1, d2, ...,dK) format and "
                         f"scale_factor in (s1, s2, ...,sK) format.")
    sizes = [int(math.floor(float(n) * float(f))) for n, f in zip(input.shape[2:], factors)]
    scales = [None] * nd if recompute_scale_factor else [float(f) for f in factors]
    return sizes, scales


def _ratio(n_in, n_out, scale, align_corners):
    """PyTorch's source step per output index."""
    if align_corners:
        return (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    return 1.0 / scale if scale is not None and scale > 0 else n_in / n_out


def _along(x, dim, idx):
    return ember.index_select(x, dim, ember.tensor(idx))


def _weights(lam, x, dim):
    shape = [1] * x.ndim
    shape[dim] = lam.size
    return ember.tensor(lam.reshape(shape).astype(np.dtype(x.dtype.np)))


def _resample(x, dim, n_out, scale, mode, align_corners):
    n_in = x.shape[dim]
    r = _ratio(n_in, n_out, scale, align_corners)
    dst = np.arange(n_out, dtype=np.float64)
    if mode == "nearest":
        return _along(x, dim, np.minimum(np.floor(dst * r).astype(np.int64), n_in - 1))
    if mode == "nearest-exact":
        return _along(x, dim, np.minimum(np.floor((dst + 0.5) * r).astype(np.int64), n_in - 1))
    src = dst * r if align_corners else np.maximum((dst + 0.5) * r - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam = src - i0
    a, b = _along(x, dim, i0), _along(x, dim, i1)
    return a * _weights(1.0 - lam, x, dim) + b * _weights(lam, x, dim)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample the spatial dims of an (N, C, d1, ...) tensor to ``size`` or by
    ``scale_factor`` (PyTorch's index conventions for every mode and ``align_corners``)."""
    modes = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area", "bicubic")
    if mode not in modes:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {input.ndim}D) for the modes: nearest | linear | "
                                  f"bilinear | bicubic | trilinear | area | nearest-exact "
                                  f"(got {mode})")
    if mode in ("nearest", "nearest-exact", "area"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if antialias and mode not in ("bilinear", "bicubic"):
        raise ValueError("Anti-alias option is restricted to bilinear and bicubic modes and "
                         "requires a 4-D tensor as input")
    if antialias or mode == "bicubic":
        raise NotImplementedError(f"interpolate: mode={mode!r}"
                                  f"{' with antialias' if antialias else ''} is not "
                                  f"implemented in ember yet (nearest, nearest-exact, linear, "
                                  f"bilinear, trilinear and area are)")
    if input.ndim not in (3, 4, 5):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {input.ndim}D) for the modes: nearest | linear | "
                                  f"bilinear | bicubic | trilinear | area | nearest-exact "
                                  f"(got {mode})")
    if mode in _LINEAR and input.ndim != _LINEAR[mode]:
        need = _LINEAR[mode]
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {need}D "
                                  f"input")
    sizes, scales = _output_size(input, size, scale_factor, recompute_scale_factor)
    if mode == "area":
        pool = {3: ember.nn.functional.adaptive_avg_pool1d,
                4: ember.nn.functional.adaptive_avg_pool2d}.get(input.ndim)
        if pool is None:
            raise NotImplementedError("interpolate: mode='area' on 5-D input is not "
                                      "implemented in ember yet")
        return pool(input, sizes[0] if input.ndim == 3 else tuple(sizes))
    kind = "nearest" if mode == "nearest" else mode if mode == "nearest-exact" else "linear"
    out = input
    for k, (n, s) in enumerate(zip(sizes, scales)):
        out = _resample(out, 2 + k, n, s, kind, align_corners)
    return out


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate``."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def _shuffle_factor(op, input, factor, name):
    """The factor as an int, after PyTorch's rank and sign checks of ``op``."""
    r = int(factor)
    if input.ndim < 3:
        raise RuntimeError(f"{op} expects input to have at least 3 dimensions, but got input "
                           f"with {input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"{op} expects a positive {name}, but got {r}")
    return r


def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r): channel blocks become spatial r x r blocks."""
    r = _shuffle_factor("pixel_shuffle", input, upscale_factor, "upscale_factor")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    n = len(lead)
    x = ember.reshape(input, tuple(lead) + (c // (r * r), r, r, h, w))
    x = ember.permute(x, tuple(range(n)) + tuple(n + i for i in (0, 3, 1, 4, 2)))
    return ember.reshape(x, tuple(lead) + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of ``pixel_shuffle``."""
    r = _shuffle_factor("pixel_unshuffle", input, downscale_factor, "downscale_factor")
    *lead, c, h, w = input.shape
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by "
                           f"downscale_factor, but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by "
                           f"downscale_factor, but input.size(-1)={w} is not divisible by {r}")
    n = len(lead)
    x = ember.reshape(input, tuple(lead) + (c, h // r, r, w // r, r))
    x = ember.permute(x, tuple(range(n)) + tuple(n + i for i in (0, 2, 4, 1, 3)))
    return ember.reshape(x, tuple(lead) + (c * r * r, h // r, w // r))
