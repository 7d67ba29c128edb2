"""Rows for indexing: ``x[key]`` in every form, writes through ``x[key] = v`` (on a clone, so
the gradient reaches both the written-into tensor and the value), and the gather/scatter,
index_* and masked_* families.  Integer index arrays are sample arguments, so the vmap checks
also batch the indices themselves; masks are constants (their nonzero count sets the shape)."""
import numpy as np

from ._opinfo import OpInfo, S, rand

MASK = [[True, False, True, True], [False, False, True, False], [True, True, False, False]]
MASK_ROW = [True, False, True]


def ints(rng, hi, *shape):
    return rng.integers(0, hi, size=shape).astype(np.int64)


def perm_rows(rng, n, k, cols):
    """An index of shape (k, cols) whose columns hold distinct rows (no duplicate writes)."""
    return np.argsort(rng.uniform(size=(n, cols)), axis=0)[:k].astype(np.int64)


def scatter_ref(x, s, i):
    out = x.copy()
    for r, c in np.ndindex(i.shape):
        out[i[r, c], c] = s[r, c]
    return out


def scatter_reduce_ref(x, s, i, reduce, include_self):
    """Row-wise reduction along dim 1, written as plain loops."""
    out = x.copy()
    fn = {"sum": np.sum, "prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}[reduce]
    for r in range(x.shape[0]):
        for c in range(x.shape[1]):
            vals = [s[r, k] for k in range(i.shape[1]) if i[r, k] == c]
            if vals:
                out[r, c] = fn(([x[r, c]] if include_self else []) + vals)
    return out


def two_indices_ref(x, v, i, j):
    y = x.copy()
    y[i, :, j] = v
    return y


def setitem(key_fn, aug=False):
    def op(T, x, v, *idx):
        y = x.clone()
        key = key_fn(T, *idx)
        if aug:
            y[key] += v
        else:
            y[key] = v
        return y
    return op


OPS = [
    # ---- basic keys (views)
    OpInfo("getitem.basic", lambda T, x: x[1:, ::2, None, 0],
           lambda rng: [S(rand(rng, 3, 5, 2))], ref=lambda x: x[1:, ::2, None, 0]),
    OpInfo("getitem.ellipsis", lambda T, x: x[..., 1], lambda rng: [S(rand(rng, 3, 4))],
           ref=lambda x: x[..., 1]),
    OpInfo("getitem.int", lambda T, x: x[-1], lambda rng: [S(rand(rng, 3, 4))],
           ref=lambda x: x[-1]),
    OpInfo("getitem.slice", lambda T, x: x[1:-1], lambda rng: [S(rand(rng, 5, 2))],
           ref=lambda x: x[1:-1]),
    OpInfo("getitem.clamped", lambda T, x: x[:, 2:100:3], lambda rng: [S(rand(rng, 2, 7))],
           ref=lambda x: x[:, 2:100:3]),
    OpInfo("getitem.scalar", lambda T, x: x[1, 2], lambda rng: [S(rand(rng, 3, 4))],
           ref=lambda x: x[1, 2]),
    OpInfo("getitem.none_ellipsis", lambda T, x: x[None, ..., None, 1:],
           lambda rng: [S(rand(rng, 2, 3))], ref=lambda x: x[None, ..., None, 1:]),
    OpInfo("getitem.empty_slice", lambda T, x: x[2:1], lambda rng: [S(rand(rng, 3, 2))],
           ref=lambda x: x[2:1]),
    # ---- advanced keys
    OpInfo("getitem.list", lambda T, x: x[[0, 2, 2]], lambda rng: [S(rand(rng, 3, 4))],
           ref=lambda x: x[[0, 2, 2]]),
    OpInfo("getitem.index", lambda T, x, i: x[i],
           lambda rng: [S(rand(rng, 4, 3), ints(rng, 4, 2, 3))], ref=lambda x, i: x[i]),
    OpInfo("getitem.index_neg", lambda T, x, i: x[:, i - 3],
           lambda rng: [S(rand(rng, 2, 3), ints(rng, 3, 4))], ref=lambda x, i: x[:, i - 3]),
    OpInfo("getitem.two_indices", lambda T, x, i, j: x[i, :, j],
           lambda rng: [S(rand(rng, 3, 2, 4), ints(rng, 3, 2, 1), ints(rng, 4, 3))],
           ref=lambda x, i, j: x[i, :, j]),
    OpInfo("getitem.adjacent", lambda T, x, i, j: x[:, i, j],
           lambda rng: [S(rand(rng, 2, 3, 4), ints(rng, 3, 5), ints(rng, 4, 5))],
           ref=lambda x, i, j: x[:, i, j]),
    OpInfo("getitem.mixed_slice", lambda T, x, i: x[i, 1:],
           lambda rng: [S(rand(rng, 3, 4), ints(rng, 3, 2))], ref=lambda x, i: x[i, 1:]),
    OpInfo("getitem.int_then_index", lambda T, x, i: x[0, :, i],
           lambda rng: [S(rand(rng, 2, 3, 4), ints(rng, 4, 2))],
           ref=lambda x, i: x[0][:, i]),
    OpInfo("getitem.none_between", lambda T, x, i: x[i, None, i],
           lambda rng: [S(rand(rng, 3, 3, 2), ints(rng, 3, 2))],
           ref=lambda x, i: x[:, None][i, :, i]),
    OpInfo("getitem.mask", lambda T, x: x[T.tensor(MASK)], lambda rng: [S(rand(rng, 3, 4))],
           ref=lambda x: x[np.array(MASK)]),
    OpInfo("getitem.mask_rows", lambda T, x: x[T.tensor(MASK_ROW), 1:],
           lambda rng: [S(rand(rng, 3, 4))], ref=lambda x: x[np.array(MASK_ROW), 1:]),
    OpInfo("getitem.mask_inner", lambda T, x: x[:, T.tensor(MASK)],
           lambda rng: [S(rand(rng, 2, 3, 4))], ref=lambda x: x[:, np.array(MASK)]),
    OpInfo("getitem.pybool", lambda T, x: x[True], lambda rng: [S(rand(rng, 2, 3))],
           ref=lambda x: x[None]),
    OpInfo("getitem.tuple_of_lists", lambda T, x: x[[0, 1], [2, 0]],
           lambda rng: [S(rand(rng, 2, 3))], ref=lambda x: x[[0, 1], [2, 0]]),
    # ---- writes with x[key] = v (and +=), on a clone so x and v both get gradients
    OpInfo("setitem.slice", setitem(lambda T: (slice(1, None), slice(None, None, 2))),
           lambda rng: [S(rand(rng, 3, 4), rand(rng, 2))],
           ref=None),
    OpInfo("setitem.index", setitem(lambda T, i: i),
           lambda rng: [S(rand(rng, 4, 3), rand(rng, 2, 3), rng.permutation(4)[:2])], ref=None),
    OpInfo("setitem.list_broadcast", setitem(lambda T: [0, 2]),
           lambda rng: [S(rand(rng, 3, 4), rand(rng, 4))], ref=None),
    OpInfo("setitem.mask_scalar_value", setitem(lambda T: T.tensor(MASK)),
           lambda rng: [S(rand(rng, 3, 4), rand(rng))], ref=None),
    OpInfo("setitem.mask_values", setitem(lambda T: T.tensor(MASK)),
           lambda rng: [S(rand(rng, 3, 4), rand(rng, 6))], ref=None),
    OpInfo("setitem.two_indices", setitem(lambda T, i, j: (i, slice(None), j)),
           lambda rng: [S(rand(rng, 3, 2, 4), rand(rng, 2, 1), np.array([0, 2]), np.array([3, 1]))],
           ref=two_indices_ref, torch_compare=False,
           notes="torch.func's nested vmap of this index_put fails (shape mismatch); the "
                 "forward and gradient are compared with PyTorch in test_indexing_semantics"),
    OpInfo("setitem.aug_mixed", setitem(lambda T, i: (i, slice(1, None)), aug=True),
           lambda rng: [S(rand(rng, 4, 3), rand(rng, 2, 2), rng.permutation(4)[:2])], ref=None),
    OpInfo("setitem.aug_int_index", setitem(lambda T, i: (1, i), aug=True),
           lambda rng: [S(rand(rng, 2, 5), rand(rng, 3), rng.permutation(5)[:3])], ref=None),
    OpInfo("index_put", lambda T, x, v, i: x.index_put((i,), v),
           lambda rng: [S(rand(rng, 4, 2), rand(rng, 2), rng.permutation(4)[:3])], ref=None),
    OpInfo("index_put.accumulate", lambda T, x, v, i, j: T.index_put(x, (i, j), v, True),
           lambda rng: [S(rand(rng, 3, 4), rand(rng, 5), ints(rng, 3, 5), ints(rng, 4, 5))],
           ref=None),
    # ---- along one dim
    OpInfo("index_select", lambda T, x, i: T.index_select(x, 1, i),
           lambda rng: [S(rand(rng, 2, 4), ints(rng, 4, 5))],
           ref=lambda x, i: np.take(x, i, axis=1)),
    OpInfo("index_add", lambda T, x, s, i: T.index_add(x, 0, i, s, alpha=2.0),
           lambda rng: [S(rand(rng, 3, 2), rand(rng, 4, 2), ints(rng, 3, 4))], ref=None),
    OpInfo("index_add.dim1", lambda T, x, s, i: x.index_add(-1, i, s),
           lambda rng: [S(rand(rng, 2, 3), rand(rng, 2, 2), ints(rng, 3, 2))], ref=None),
    OpInfo("index_copy", lambda T, x, s, i: x.index_copy(1, i, s),
           lambda rng: [S(rand(rng, 2, 4), rand(rng, 2, 2), rng.permutation(4)[:2])], ref=None),
    OpInfo("index_fill", lambda T, x, i: x.index_fill(1, i, -1.5),
           lambda rng: [S(rand(rng, 2, 4), ints(rng, 4, 2))], ref=None),
    OpInfo("index_fill.tensor", lambda T, x, v, i: T.index_fill(x, 0, i, v),
           lambda rng: [S(rand(rng, 3, 2), rand(rng), ints(rng, 3, 2))], ref=None),
    OpInfo("gather", lambda T, x, i: T.gather(x, 1, i),
           lambda rng: [S(rand(rng, 3, 4), ints(rng, 4, 3, 5))],
           ref=lambda x, i: np.take_along_axis(x, i, 1)),
    OpInfo("gather.smaller", lambda T, x, i: x.gather(0, i),
           lambda rng: [S(rand(rng, 3, 4), ints(rng, 3, 2, 2))],
           ref=lambda x, i: np.take_along_axis(x[:, :2], i, 0)),
    OpInfo("scatter", lambda T, x, s, i: T.scatter(x, 0, i, s),
           lambda rng: [S(rand(rng, 3, 4), rand(rng, 2, 4), perm_rows(rng, 3, 2, 4))], ref=None),
    OpInfo("scatter.src_larger", lambda T, x, s, i: x.scatter(0, i, s),
           lambda rng: [S(rand(rng, 3, 4), rand(rng, 3, 5), perm_rows(rng, 3, 2, 3))],
           ref=scatter_ref, torch_compare=False,
           notes="PyTorch's ScatterBackward0 rejects a src larger than index"),
    OpInfo("scatter.value", lambda T, x, i: x.scatter(1, i, 2.5),
           lambda rng: [S(rand(rng, 3, 4), ints(rng, 4, 3, 2))], ref=None),
    OpInfo("scatter.reduce_add", lambda T, x, s, i: x.scatter(1, i, s, reduce="add"),
           lambda rng: [S(rand(rng, 2, 3), rand(rng, 2, 4), ints(rng, 3, 2, 4))], ref=None,
           grad=False, jvp=False),
    OpInfo("scatter_add", lambda T, x, s, i: T.scatter_add(x, 1, i, s),
           lambda rng: [S(rand(rng, 2, 3), rand(rng, 2, 4), ints(rng, 3, 2, 4))], ref=None),
    *[OpInfo(f"scatter_reduce.{r}{'' if inc else '.exclude_self'}",
             (lambda r, inc: lambda T, x, s, i: x.scatter_reduce(1, i, s, r,
                                                                  include_self=inc))(r, inc),
             lambda rng: [S(rand(rng, 2, 3), rand(rng, 2, 4), ints(rng, 3, 2, 4))],
             ref=(lambda r, inc: lambda x, s, i: scatter_reduce_ref(x, s, i, r, inc))(r, inc),
             torch_compare=r != "prod",
             notes="PyTorch's second derivative of the prod reduction is wrong (checked "
                   "against finite differences); ember's is compared with those" if r == "prod"
             else "")
      for r in ("sum", "prod", "mean", "amax", "amin") for inc in (True, False)],
    OpInfo("select_scatter", lambda T, x, s: T.select_scatter(x, s, 1, -1),
           lambda rng: [S(rand(rng, 2, 3), rand(rng, 2))], ref=None),
    OpInfo("slice_scatter", lambda T, x, s: T.slice_scatter(x, s, 1, 1, None, 2),
           lambda rng: [S(rand(rng, 2, 5), rand(rng, 2, 2))], ref=None),
    OpInfo("take", lambda T, x, i: T.take(x, i),
           lambda rng: [S(rand(rng, 3, 4), ints(rng, 12, 2, 3))],
           ref=lambda x, i: np.take(x, i)),
    OpInfo("take_along_dim", lambda T, x, i: T.take_along_dim(x, i, 1),
           lambda rng: [S(rand(rng, 3, 4), ints(rng, 4, 1, 2))],
           ref=lambda x, i: np.take_along_axis(x, np.broadcast_to(i, (3, 2)), 1)),
    OpInfo("take_along_dim.flat", lambda T, x, i: x.take_along_dim(i),
           lambda rng: [S(rand(rng, 3, 4), ints(rng, 12, 5))],
           ref=lambda x, i: x.reshape(-1)[i]),
    # ---- masked
    OpInfo("masked_fill", lambda T, x: x.masked_fill(T.tensor(MASK), -1.0),
           lambda rng: [S(rand(rng, 3, 4))], ref=lambda x: np.where(np.array(MASK), -1.0, x)),
    OpInfo("masked_fill.broadcast", lambda T, x: T.masked_fill(x, T.tensor(MASK_ROW)[:, None], 2),
           lambda rng: [S(rand(rng, 3, 4))],
           ref=lambda x: np.where(np.array(MASK_ROW)[:, None], 2.0, x)),
    OpInfo("masked_fill.tensor_value", lambda T, x, v: x.masked_fill(T.tensor(MASK), v),
           lambda rng: [S(rand(rng, 3, 4), rand(rng))],
           ref=lambda x, v: np.where(np.array(MASK), v, x)),
    OpInfo("masked_select", lambda T, x: T.masked_select(x, T.tensor(MASK)),
           lambda rng: [S(rand(rng, 3, 4))], ref=lambda x: x[np.array(MASK)]),
    OpInfo("masked_select.broadcast", lambda T, x: x.masked_select(T.tensor(MASK_ROW)[:, None]),
           lambda rng: [S(rand(rng, 3, 2))], ref=lambda x: x[[0, 2]].reshape(-1)),
    OpInfo("masked_scatter", lambda T, x, s: x.masked_scatter(T.tensor(MASK), s),
           lambda rng: [S(rand(rng, 3, 4), rand(rng, 8))], ref=None),
    # ---- nonzero (data-dependent shape: forward only)
    OpInfo("nonzero", lambda T, x: T.nonzero(x > 0), lambda rng: [S(rand(rng, 3, 4))],
           ref=lambda x: np.argwhere(x > 0), grad=False, jvp=False, vmap=False),
    OpInfo("nonzero.as_tuple", lambda T, x: (x > 0).nonzero(as_tuple=True),
           lambda rng: [S(rand(rng, 3, 4))], ref=lambda x: np.nonzero(x > 0), grad=False,
           jvp=False, vmap=False),
    OpInfo("argwhere", lambda T, x: T.argwhere(x), lambda rng: [S(rand(rng, 5).round())],
           ref=np.argwhere, grad=False, jvp=False, vmap=False),
]
