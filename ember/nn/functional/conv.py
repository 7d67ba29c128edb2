"""Convolutions: ``conv1d/2d/3d`` and ``conv_transpose1d/2d/3d`` over the primitives in
``_convolution.py`` (argument checks and PyTorch's padding conventions live here)."""
from ..._tensor import Tensor
from ...ops.shape import unsqueeze, squeeze
from ._convolution import conv, conv_t

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d"]


def _tuple(v, nd, name, wdims=None):
    if isinstance(v, int):
        return (v,) * nd
    v = tuple(int(a) for a in v)
    if len(v) == 1:
        return v * nd
    if len(v) != nd:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {nd} "
                           f"values to match the convolution dimensions, but got "
                           f"{name}={list(v)}")
    return v


def _dtype_name(t):
    return {"float32": "Float", "float64": "Double", "float16": "Half"}.get(t.dtype.name,
                                                                          t.dtype.name)


def _check_common(op, input, weight, bias, nd):
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"{op}(): argument 'input' and 'weight' must be Tensors")
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{op}, but got input of size: {list(input.shape)}")
    if weight.ndim != nd + 2:
        raise RuntimeError(f"expected stride to be a single integer value or a list of "
                           f"{weight.ndim - 2} values to match the convolution dimensions, but "
                           f"got stride={[1] * nd}")
    if input.dtype is not weight.dtype:
        if input.dtype.name == "float32":
            raise RuntimeError(f"Input type ({input.type()}) and weight type ({weight.type()}) "
                               "should be the same or input should be a MKLDNN tensor and "
                               "weight is a dense tensor")
        raise RuntimeError(f"expected scalar type {_dtype_name(input)} but found "
                           f"{_dtype_name(weight)}")
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {_dtype_name(input)} but found "
                           f"{_dtype_name(bias)}")


def _geometry(stride, dilation, nd):
    stride = _tuple(stride, nd, "stride")
    dilation = _tuple(dilation, nd, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    return stride, dilation


def _convnd(op, nd, input, weight, bias, stride, padding, dilation, groups):
    _check_common(op, input, weight, bias, nd)
    batched = input.ndim == nd + 2
    x = input if batched else unsqueeze(input, 0)
    stride, dilation = _geometry(stride, dilation, nd)
    ksize = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            total = [d * (k - 1) for d, k in zip(dilation, ksize)]
            pads = tuple((t // 2, t - t // 2) for t in total)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        p = _tuple(padding, nd, "padding")
        if any(a < 0 for a in p):
            raise RuntimeError("negative padding is not supported")
        pads = tuple((a, a) for a in p)
    C = x.shape[1]
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if C != weight.shape[1] * groups or weight.shape[0] % groups:
        if weight.shape[0] % groups:
            raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                               f"{groups} at dimension 0, but got weight of size "
                               f"{list(weight.shape)} instead")
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, "
                           f"expected input{list(x.shape)} to have {weight.shape[1] * groups} "
                           f"channels, but got {C} channels instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != weight.shape[0]):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {weight.shape[0]} elements, but got bias of "
                           f"size {list(bias.shape)} instead")
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pads))
    eff = tuple(d * (k - 1) + 1 for d, k in zip(dilation, ksize))
    if any(e > n for e, n in zip(eff, padded)):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, eff))}). Kernel size can't be greater than "
                           f"actual input size")
    y = conv(x, weight, bias, stride=stride, padding=pads, dilation=dilation, groups=groups)
    return y if batched else squeeze(y, 0)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of (N, C, L) (or (C, L)) with a (O, C/groups, k) weight."""
    return _convnd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution of (N, C, H, W) (or (C, H, W)) with a (O, C/groups, kh, kw) weight;
    ``padding`` may be an int, a pair, ``'valid'`` or ``'same'``."""
    return _convnd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convnd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transposend(op, nd, input, weight, bias, stride, padding, output_padding, groups,
                      dilation):
    _check_common(op, input, weight, bias, nd)
    batched = input.ndim == nd + 2
    x = input if batched else unsqueeze(input, 0)
    stride, dilation = _geometry(stride, dilation, nd)
    p = _tuple(padding, nd, "padding")
    if any(a < 0 for a in p):
        raise RuntimeError("negative padding is not supported")
    op_ = _tuple(output_padding, nd, "output_padding")
    if any(o >= s and o >= d for o, s, d in zip(op_, stride, dilation)):
        names = ["height", "width"] if nd == 2 else (["width"] if nd == 1 else
                                                     ["depth", "height", "width"])
        parts = (" ".join(f"output_padding_{n}: {o}" for n, o in zip(names, op_)) + " " +
                 " ".join(f"stride_{n}: {s}" for n, s in zip(names, stride)) + " " +
                 " ".join(f"dilation_{n}: {d}" for n, d in zip(names, dilation)))
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, "
                           f"but got {parts}")
    C_in = x.shape[1]
    if weight.shape[0] != C_in or C_in % groups:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"input{list(x.shape)} to have {weight.shape[0]} channels, but got "
                           f"{C_in} channels instead")
    C_out = weight.shape[1] * groups
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != C_out):
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"bias to be 1-dimensional with {C_out} elements, but got bias of "
                           f"size {list(bias.shape)} instead")
    ksize = tuple(weight.shape[2:])
    in_size = tuple((h - 1) * s - 2 * a + d * (k - 1) + o + 1
                    for h, s, a, d, k, o in zip(x.shape[2:], stride, p, dilation, ksize, op_))
    if any(n <= 0 for n in in_size):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, x.shape[2:]))})"
                           f". Calculated output size per channel: "
                           f"({' x '.join(map(str, in_size))}). Output size is too small")
    # output_padding adds rows no window of the forward convolution reaches
    pads = tuple((a, a - o) for a, o in zip(p, op_))
    y = conv_t(x, weight, bias, stride=stride, padding=pads, dilation=dilation, groups=groups,
               in_size=in_size)
    return y if batched else squeeze(y, 0)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _conv_transposend("conv_transpose1d", 1, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 2-D convolution (the gradient of conv2d with respect to its input) with a
    (C_in, C_out/groups, kh, kw) weight; ``output_padding`` picks among the output sizes
    that map to the same input size."""
    return _conv_transposend("conv_transpose2d", 2, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    return _conv_transposend("conv_transpose3d", 3, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)
