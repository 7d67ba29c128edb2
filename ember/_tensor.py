"""class Tensor: a NumPy array plus autograd metadata.

Only the core lives here (storage, metadata, conversions, the autograd entry points); the
operations are attached as methods by the op families in ``ember/ops``.  Transform wrappers
(batched, dual, grad-tracking tensors) are subclasses with the same slots, so a tensor can
change class in place when a batched value is written into it.
"""
import numpy as np

from . import _dtype as D
from ._backend import device_of, to_numpy

_new = object.__new__
_ndarray = np.ndarray
from sys import getrefcount as _getrefcount  # noqa: E402


class Size(tuple):
    """``torch.Size``: a tuple of dimensions."""
    __slots__ = ()

    def __repr__(self):
        return f"torch.Size({list(self)})"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))


class Tensor:
    """A multi-dimensional array with PyTorch's Tensor API and autograd metadata."""
    __slots__ = ("_data", "_requires_grad", "_grad_fn", "_output_nr", "_vc", "_base",
                 "_grad", "_accum", "_viewinfo", "_inner", "_aux", "_interp", "__dict__",
                 "__weakref__")
    _is_wrapper = False
    __array_priority__ = 1000

    def __new__(cls, *args, **kwargs):
        """Legacy constructor: ``Tensor(data)`` or ``Tensor(*sizes)`` of the default dtype."""
        if cls is not Tensor and args and isinstance(args[0], Tensor):
            return args[0]
        if len(args) == 1 and not isinstance(args[0], (int, Size)):
            from .ops.creation import tensor
            t = tensor(args[0], dtype=D.get_default_dtype())
        else:
            size = tuple(args[0]) if len(args) == 1 and isinstance(args[0], Size) else args
            t = make_tensor(np.empty(size or (0,), dtype=D.get_default_dtype().np))
        if cls is not Tensor:
            t.__class__ = cls
        return t

    def __init__(self, *args, **kwargs):
        pass

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return self.shape
        return self.shape[_meta_dim(dim, self.ndim, "size")]

    @property
    def dtype(self):
        return D.NP2DT[self._data.dtype]

    @property
    def device(self):
        return device_of(self._data)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def is_cpu(self):
        return self.device.type == "cpu"

    @property
    def layout(self):
        return "torch.strided"

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self.ndim

    ndimension = dim

    def numel(self):
        n = 1
        for s in self.shape:
            n *= s
        return n

    nelement = numel

    def element_size(self):
        return self.dtype.itemsize

    def stride(self, dim=None):
        isz = self._data.itemsize
        st = tuple(s // isz for s in self._data.strides)
        return st if dim is None else st[_meta_dim(dim, self.ndim, "stride")]

    def storage_offset(self):
        """Elements between the start of the storage (the view's base) and this tensor."""
        base = self._base
        if base is None or base._is_wrapper or self._is_wrapper:
            return 0
        return (self.data_ptr() - base.data_ptr()) // self._data.itemsize

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    def is_contiguous(self, memory_format=None):
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def is_complex(self):
        return self.dtype.is_complex

    def is_signed(self):
        return self.dtype.is_signed

    def is_inference(self):
        """True for tensors made inside ``inference_mode`` (they can't be saved for backward)."""
        return getattr(self, "_inference", False)

    @property
    def _version(self):
        vc = self._vc
        return vc[0] if vc else 0

    @property
    def itemsize(self):
        return self.dtype.itemsize

    @property
    def nbytes(self):
        return self.numel() * self.dtype.itemsize

    # ------------------------------------------------------------------ autograd metadata
    @property
    def requires_grad(self):
        if self._base is not None and not self._requires_grad:
            self._refresh_if_stale()
        return self._requires_grad

    def _refresh_if_stale(self):
        info = getattr(self, "_viewinfo", None)
        if info is not None and len(info) > 4 and info[4][0] != self._vc[0]:
            from .ops.inplace import refresh_view
            refresh_view(self)

    @requires_grad.setter
    def requires_grad(self, value):
        if self._grad_fn is not None:
            if not value:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. "
                                   "If you want to use a computed variable in a subgraph that "
                                   "doesn't require differentiation use var_no_grad = var.detach().")
            return
        if value and not (self.dtype.is_floating_point or self.dtype.is_complex):
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def grad_fn(self):
        if self._base is not None:
            self._refresh_if_stale()
        return self._grad_fn

    @property
    def is_leaf(self):
        return self._grad_fn is None

    @property
    def output_nr(self):
        return self._output_nr

    @property
    def grad(self):
        if self._grad_fn is not None and not getattr(self, "_retains", False):
            import warnings
            warnings.warn("The .grad attribute of a Tensor that is not a leaf Tensor is being "
                          "accessed. Its .grad attribute won't be populated during "
                          "autograd.backward(). If you indeed want the .grad field to be "
                          "populated for a non-leaf Tensor, use .retain_grad() on the non-leaf "
                          "Tensor.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad "
                                f"of type {type(value).__name__}")
            if tuple(value.shape) != tuple(self.shape):
                raise RuntimeError(f"attempting to assign a gradient of size "
                                   f"'{list(value.shape)}' to a tensor of size "
                                   f"'{list(self.shape)}'. Please ensure that the gradient and "
                                   f"the tensor are the same size")
            if value.dtype is not self.dtype:
                from .ops.inplace import _tname
                raise RuntimeError(f"attempting to assign a gradient with dtype "
                                   f"'{_CNAME.get(value.dtype.name, value.dtype.name)}' to a "
                                   f"tensor with grad_dtype '{_tname(self.dtype)}'. The gradient "
                                   f"must match the tensor's grad_dtype (defaults to the "
                                   f"tensor's dtype).")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def retains_grad(self):
        return bool(getattr(self, "_retains", False))

    @property
    def data(self):
        """The values without history; unlike ``detach()`` writes through it bump no version
        counter that backward checks (PyTorch's ``.data``)."""
        t = self.detach()
        t._vc = None
        t._base = None
        return t

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    def detach(self):
        """A tensor sharing storage with this one, cut from the graph (a view of it)."""
        from .ops._primitive import bind_detach
        return bind_detach(self)

    def detach_(self):
        if self._base is not None and self._grad_fn is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self):
        """Populate ``.grad`` of this non-leaf tensor during backward."""
        if self._grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if getattr(self, "_retains", False):
            return
        import weakref
        node = self._grad_fn
        node._special = True
        if node._retain is None:
            node._retain = {}
        node._retain[self._output_nr] = weakref.ref(self)
        self._retains = True

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        from .autograd.graph import _add_hook
        node = self._grad_fn if self._grad_fn is not None else self._get_accum()
        node._special = True
        if node._tensor_hooks is None:
            node._tensor_hooks = {}
        return _add_hook_nr(node._tensor_hooks, self._output_nr, hook, _add_hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        from .autograd.graph import _add_hook
        return _add_hook(self, "_post_acc_hooks", hook)

    def _get_accum(self):
        acc = self._accum
        if acc is None:
            from .autograd.graph import AccumulateGrad
            acc = self._accum = AccumulateGrad(self)
        return acc

    def _accumulate_grad(self, g, create_graph):
        """``self.grad += g``; without create_graph the first gradient's buffer is taken over
        when nothing else can see it (as PyTorch's AccumulateGrad steals it), else copied in
        the parameter's layout."""
        if create_graph or g.__class__ is not Tensor:
            if not create_graph:
                g = g.detach()
            if g.dtype is not self.dtype:
                g = g.to(self.dtype)
            self._grad = g if self._grad is None else self._grad + g
            return
        # references to g: the engine's caller frame, this parameter, getrefcount's argument
        owned = _getrefcount(g) <= 3 and g._grad_fn is None and g._base is None
        a = g._data
        shape = self._data.shape
        cur = self._grad
        if cur is not None and cur.__class__ is Tensor and cur._data.shape == shape:
            np.add(cur._data, a, out=cur._data, casting="unsafe")
            return
        if not (owned and a.__class__ is np.ndarray and a.dtype == self._data.dtype and
                a.shape == shape and a.flags.c_contiguous == self._data.flags.c_contiguous and
                _stealable(a)):
            out = np.empty_like(self._data)          # the parameter's layout, as PyTorch
            out[...] = a
            a = out
        if cur is not None:
            a = cur._data + a if cur.__class__ is Tensor else (cur + make_tensor(a))._data
        self._grad = make_tensor(a)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``."""
        from .autograd.backward import backward, scalar_backward
        if gradient is None and inputs is None and not create_graph and \
                scalar_backward(self, retain_graph):
            return
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ------------------------------------------------------------------ conversion
    def numpy(self, *, force=False):
        """The NumPy array sharing this tensor's memory (a copy for GPU data with force=True)."""
        if not force:
            if self._requires_grad:
                raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                                   "tensor.detach().numpy() instead.")
            if not isinstance(self._data, np.ndarray):
                raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use "
                                "Tensor.cpu() to copy the tensor to host memory first.")
        return to_numpy(self._data)

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        if dtype is not None and a.dtype != dtype:
            if copy is False:
                raise ValueError("Unable to avoid copy while creating an array as requested.")
            return a.astype(dtype)
        return a.copy() if copy else a

    def __dlpack__(self, *args, **kwargs):
        """DLPack export (zero-copy); like PyTorch, refused for tensors that require grad."""
        if self._requires_grad:
            raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
        return self._data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def item(self):
        """The single value as a Python number (a grad/jvp wrapper reads its primal)."""
        if self._is_wrapper:
            return self._inner.item()
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to "
                               "Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._inner.tolist() if self._is_wrapper else to_numpy(self._data).tolist()

    def _scalar(self, kind):
        if self.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        v = self.item()
        if kind is not complex and type(v) is complex:
            raise RuntimeError("value cannot be converted to type "
                               f"{'double' if kind is float else 'int64_t'} without overflow")
        return kind(v)

    def __float__(self):
        return self._scalar(float)

    def __int__(self):
        return self._scalar(int)

    def __complex__(self):
        return self._scalar(complex)

    def __index__(self):
        if self.dtype.is_floating_point or self.dtype.is_complex or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def __bool__(self):
        n = self.numel()
        if n != 1:
            if n == 0:
                raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    def __repr__(self, *, tensor_contents=None):
        from ._repr import tensor_repr
        return tensor_repr(self, tensor_contents)

    def __format__(self, spec):
        if self.ndim == 0 and type(self) is Tensor:
            return self._data.reshape(()).item().__format__(spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return repr(self)

    def __reduce_ex__(self, proto):
        """Pickle as data (array, requires_grad) plus the subclass and its attributes."""
        args = (to_numpy(self._data), self._requires_grad)
        if type(self) is not Tensor:
            args += (type(self), self.__dict__ or None)
        return (_rebuild, args)

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.  If you were "
                               "attempting to deepcopy a module, this may be because of a "
                               "torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        t = make_tensor(self._data.copy())
        t._requires_grad = self._requires_grad
        if self._grad is not None:
            t._grad = self._grad.__deepcopy__(memo)
        if type(self) is not Tensor:
            t.__class__ = type(self)
        d = getattr(self, "__dict__", None)
        if d:
            import copy
            t.__dict__.update(copy.deepcopy(d, memo))
        memo[id(self)] = t
        return t

    def type(self, dtype=None):
        if dtype is None:
            return _LEGACY.get(self.dtype, "torch.Tensor")
        if isinstance(dtype, str):
            rev = {v: k for k, v in _LEGACY.items()}
            dtype = rev[dtype]
        return self.to(dtype)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda")

    @property
    def is_sparse(self):
        return False

    @property
    def is_quantized(self):
        return False

    @property
    def is_meta(self):
        return False

    @property
    def names(self):
        return (None,) * self.ndim


_LEGACY = {D.float32: "torch.FloatTensor", D.float64: "torch.DoubleTensor",
           D.float16: "torch.HalfTensor", D.int64: "torch.LongTensor",
           D.int32: "torch.IntTensor", D.int16: "torch.ShortTensor", D.int8: "torch.CharTensor",
           D.uint8: "torch.ByteTensor", D.bool: "torch.BoolTensor",
           D.complex64: "torch.ComplexFloatTensor", D.complex128: "torch.ComplexDoubleTensor"}


# C++ names PyTorch's messages use for dtypes
_CNAME = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
          "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
          "bool": "bool", "complex64": "c10::complex<float>",
          "complex128": "c10::complex<double>"}


def _stealable(a):
    """True when array ``a`` (and the array it views) is referenced only by its tensor and the
    caller: taking it over as ``.grad`` can't alias anything a user or a graph can see."""
    if not a.flags.writeable:
        return False
    if _getrefcount(a) > 4:          # the tensor, the caller's variable, our argument, getrefcount
        return False
    b = a.base
    return b is None or (type(b) is np.ndarray and b.base is None and _getrefcount(b) <= 3)


def _add_hook_nr(table, nr, hook, add):
    from .autograd.graph import RemovableHandle, HookDict
    holder = table.get(nr)
    if holder is None:
        holder = table[nr] = HookDict()
    h = RemovableHandle(holder)
    holder[h.id] = hook
    return h


def _rebuild(array, requires_grad, cls=None, state=None):
    t = make_tensor(array)
    t._requires_grad = requires_grad
    if cls is not None:
        t.__class__ = cls
        if state:
            t.__dict__.update(state)
    return t


def make_tensor(array, grad_fn=None, output_nr=0):
    """Wrap an array (no copy) in a Tensor; internal constructor used by every op."""
    t = _new(Tensor)
    t._data = array
    t._grad_fn = grad_fn
    t._requires_grad = grad_fn is not None
    t._output_nr = output_nr
    t._vc = None
    t._base = None
    t._grad = None
    t._accum = None
    return t


def _wrap_dim(dim, ndim, op="op"):
    if not isinstance(dim, int):
        dim = int(dim)
    n = ndim if ndim > 0 else 1
    if dim < -n or dim >= n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim + n if dim < 0 else dim


wrap_dim = _wrap_dim


def _meta_dim(dim, ndim, op):
    """``dim`` for size()/stride(): like wrap_dim, but a 0-d tensor has no dimension to name."""
    if not isinstance(dim, int):
        raise TypeError(f"{op}(): argument 'dim' (position 1) must be int, not "
                        f"{type(dim).__name__}")
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return _wrap_dim(dim, ndim, op)
