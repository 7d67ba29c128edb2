"""ember.linalg: inverses, determinants, solves and Cholesky (this module's ``__all__`` is the
``ember.linalg`` namespace; QR/eigh/SVD live in ``spectral.py``, norms in ``norms.py``).

NumPy's linalg works on stacks of matrices, so the batching rule of a one-matrix primitive is
the primitive itself.  Rules are written with ember ops (solves where they are cheaper than
inverses), so they differentiate again; derivations are the standard matrix-calculus ones.
"""
import numpy as np

from .._tensor import Tensor, make_tensor
from ..return_types import structseq
from ._primitive import Primitive, joint
from ._util import batch_unary, npdtype
from .einsum import _dt_name
from .linalg import matmul, _mT
from .tri import diagonal as _diagonal_fn, tril, triu
from . import elementwise as E, shape as SH, reduction as R

__all__ = ["LinAlgError", "inv", "inv_ex", "det", "slogdet", "logdet", "solve",
           "solve_triangular", "cholesky", "cholesky_ex", "matrix_power", "multi_dot", "matmul",
           "vecdot", "cross", "diagonal"]

linalg_inv_ex = structseq("linalg_inv_ex", ("inverse", "info"))
linalg_slogdet = structseq("linalg_slogdet", ("sign", "logabsdet"))
linalg_cholesky_ex = structseq("linalg_cholesky_ex", ("L", "info"))
slogdet_t = structseq("slogdet", ("sign", "logabsdet"))


class LinAlgError(RuntimeError):
    """Raised when a matrix is singular / not positive-definite (``torch.linalg.LinAlgError``)."""


# ------------------------------------------------------------------ argument checks

def check_matrix(op, A, square=True):
    """PyTorch's checks for linalg inputs: a (stack of) square floating-point matrices."""
    if not isinstance(A, Tensor):
        raise TypeError(f"{op}(): argument 'A' (position 1) must be Tensor, not "
                        f"{type(A).__name__}")
    if A.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    if npdtype(A).kind not in "fc":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                           f"{_dt_name(A)}")


def _batch_prefix(x, idx):
    return f"(Batch element {idx}): " if x.ndim > 2 else ""


def _first_failure(x, lapack_name, **kw):
    """(batch index, info) of the first matrix of a stack LAPACK reports as failing."""
    from scipy.linalg import lapack
    fn = lapack.get_lapack_funcs(lapack_name, (x,))
    flat = x.reshape((-1,) + x.shape[-2:])
    for i, m in enumerate(flat):
        info = fn(m, **kw)[-1]
        if info > 0:
            return i, info
    return 0, 0


def _singular(op, x):
    i, info = _first_failure(x, "getrf")
    raise LinAlgError(f"{op}: {_batch_prefix(x, i)}The diagonal element {info} is zero, the "
                      f"inversion could not be completed because the input matrix is singular.")


# ------------------------------------------------------------------ small ember-op helpers

def _eye_of(x):
    n = x.shape[-1]
    return make_tensor(np.eye(n, dtype=npdtype(x)))


def _mat(s):
    """A batch of scalars (shape ``b``) as ``b + (1, 1)`` to scale matrices."""
    return SH.reshape(s, tuple(s.shape) + (1, 1))


def _sym(x):
    return E.mul(E.add(x, _mT(x)), 0.5)


def _tr_prod(a, b):
    """trace(a^T b) per matrix of a stack."""
    return R.sum(E.mul(a, b), (-2, -1))


# ------------------------------------------------------------------ inverse

def _inv_ex_impl(a, check):
    try:
        inv_ = np.linalg.inv(a)
        info = np.zeros(a.shape[:-2], np.int32)
    except np.linalg.LinAlgError:
        if check:
            _singular("linalg.inv", a)
        inv_, info = _per_matrix(a, _inv_fail, np.linalg.inv)
    return inv_, info


def _inv_fail(m):
    _, info = _first_failure(m, "getrf")
    return np.full_like(m, np.inf), info


def _per_matrix(a, fallback, fn):
    """Error path only: run ``fn`` matrix by matrix so failures give an info code, not a raise."""
    flat = a.reshape((-1,) + a.shape[-2:])
    outs, infos = [], []
    for m in flat:
        try:
            outs.append(fn(m))
            infos.append(0)
        except np.linalg.LinAlgError:
            o, i = fallback(m)
            outs.append(o)
            infos.append(i)
    return (np.stack(outs).reshape(a.shape[:-2] + outs[0].shape),
            np.array(infos, np.int32).reshape(a.shape[:-2]))


def _inv_vjp(g, out, a, check):
    x = out[0]
    xt = _mT(x)
    return E.neg(matmul(matmul(xt, g[0]), xt))


def _inv_jvp(tangents, out, a, check):
    x = out[0]
    return E.neg(matmul(matmul(x, tangents[0]), x)), None


_inv_ex = Primitive("linalg_inv_ex", _inv_ex_impl, vjp=_inv_vjp, jvp=joint(_inv_jvp),
                    batch=batch_unary, n_out=2, nondiff_out=(1,), uses_output=True, saves=())


def inv(A, *, out=None):
    """Inverse of a (stack of) square matrices; singular input raises LinAlgError."""
    check_matrix("linalg.inv", A)
    return _inv_ex(A, check=True)[0]


def inv_ex(A, *, check_errors=False, out=None):
    """``(inverse, info)``; info > 0 marks a singular matrix instead of raising."""
    check_matrix("linalg.inv_ex", A)
    return linalg_inv_ex(_inv_ex(A, check=bool(check_errors)))


# ------------------------------------------------------------------ determinants

def _excl_prod(s):
    """prod_{j != i} s_j for each i, without dividing (zeros allowed)."""
    ones = np.ones(s.shape[:-1] + (1,), s.dtype)
    left = np.cumprod(np.concatenate([ones, s[..., :-1]], -1), -1)
    right = np.cumprod(np.concatenate([ones, s[..., :0:-1]], -1), -1)[..., ::-1]
    return left * right


def _cofactor_impl(a):
    """d det(A) / dA via the SVD: det(U)det(V) U diag(prod_{j!=i} s_j) V^T, finite when singular."""
    u, s, vh = np.linalg.svd(a)
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return (u * (_excl_prod(s) * sign[..., None])[..., None, :]) @ vh


def _det_hess_impl(x, a):
    """Second derivative of det applied to x: det (<x, A^-T> A^-T - A^-T x^T A^-T), evaluated in
    the SVD basis where every 1/s cancels against det, so rank n-1 matrices stay finite."""
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    sign = np.linalg.det(u) * np.linalg.det(vh)
    xp = np.swapaxes(u, -1, -2) @ x @ np.swapaxes(vh, -1, -2)
    skip = np.broadcast_to(s[..., None, :], s.shape + (n,)).copy()
    idx = np.arange(n)
    skip[..., idx, idx] = 1
    p = _excl_prod(skip)                  # p[k, l] = prod_{m != k, l} s_m
    p[..., idx, idx] = 0
    dg = np.diagonal(xp, 0, -2, -1)
    m = -p * np.swapaxes(xp, -1, -2)
    m[..., idx, idx] = (p @ dg[..., None])[..., 0]
    return (u * sign[..., None, None]) @ m @ vh


def _det_hess_vjp_a(g, out, x, a):
    # third derivative (inverse-based, for invertible A):
    # <G,f> B - d<G,B> B X^T B - d<X,B> B G^T B + d (B X^T B G^T B + B G^T B X^T B), B = A^-T
    b = _mT(inv(a))
    d = _mat(det(a))
    bxb = matmul(matmul(b, _mT(x)), b)
    bgb = matmul(matmul(b, _mT(g)), b)
    t = E.sub(E.mul(_mat(_tr_prod(g, out)), b),
              E.mul(d, E.add(E.mul(_mat(_tr_prod(g, b)), bxb), E.mul(_mat(_tr_prod(x, b)), bgb))))
    return E.add(t, E.mul(d, E.add(matmul(matmul(bxb, _mT(g)), b),
                                   matmul(matmul(bgb, _mT(x)), b))))


_det_hess = Primitive("linalg_det_hess", _det_hess_impl,
                      vjp=(lambda g, out, x, a: _det_hess(g, a), _det_hess_vjp_a),
                      jvp=(lambda t, out, x, a: _det_hess(t, a),
                           lambda t, out, x, a: _det_hess_vjp_a(t, out, x, a)),
                      batch=lambda prim, args, batched: prim(*args))


_cofactor = Primitive("linalg_cofactor", _cofactor_impl,
                      vjp=lambda g, out, a: _det_hess(g, a),
                      jvp=lambda t, out, a: _det_hess(t, a), batch=batch_unary)

_det = Primitive("linalg_det", np.linalg.det,
                 vjp=lambda g, out, a: E.mul(_mat(g), _cofactor(a)),
                 jvp=lambda t, out, a: _tr_prod(_cofactor(a), t), batch=batch_unary)


def det(A, *, out=None):
    """Determinant; its gradient (the cofactor matrix) stays finite for singular matrices."""
    check_matrix("linalg.det", A)
    return _det(A)


def _slogdet_vjp(g, out, a):
    return E.mul(_mat(g[1]), _mT(inv(a)))


def _slogdet_jvp(tangents, out, a):
    return None, _tr_prod(_mT(inv(a)), tangents[0])


_slogdet = Primitive("linalg_slogdet", lambda a: np.linalg.slogdet(a), vjp=_slogdet_vjp,
                     jvp=joint(_slogdet_jvp), batch=batch_unary, n_out=2, uses_output=True)


def slogdet(A, *, out=None):
    """``(sign, logabsdet)`` of the determinant, without overflow."""
    check_matrix("linalg.slogdet", A)
    return linalg_slogdet(_slogdet(A))


def logdet(input):
    """log(det(A)): nan for a negative determinant, -inf for a singular matrix."""
    check_matrix("logdet", input)
    from .comparison import where, lt
    sign, logabs = _slogdet(input)
    return where(lt(sign, 0), float("nan"), logabs)


# ------------------------------------------------------------------ solve

def _solve_impl(a, b, vec):
    try:
        return np.linalg.solve(a, b[..., None])[..., 0] if vec else np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is "
                          "singular.") from None


def _solve_vjp(g, out, a, b, vec):
    gb = _solve(_mT(a), g, vec=vec)
    if vec:
        ga = E.neg(matmul(SH.unsqueeze(gb, -1), SH.unsqueeze(out, -2)))
    else:
        ga = E.neg(matmul(gb, _mT(out)))
    return R.sum_to_size(ga, tuple(a.shape)), R.sum_to_size(gb, tuple(b.shape))


def _pad_batched(x, batched, nd):
    if not batched or x.ndim - 1 >= nd:
        return x
    s = tuple(x.shape)
    return SH.reshape(x, (s[0],) + (1,) * (nd - len(s) + 1) + s[1:])


def _solve_batch(prim, args, batched, vec):
    a, b = args
    nbatch = max(a.ndim - batched[0] - 2, b.ndim - batched[1] - (1 if vec else 2))
    return prim(_pad_batched(a, batched[0], nbatch + 2),
                _pad_batched(b, batched[1], nbatch + (1 if vec else 2)), vec=vec)


def _solve_jvp_a(t, out, a, b, vec):
    # d(A^-1 B) = -A^-1 dA X
    tx = SH.squeeze(matmul(t, SH.unsqueeze(out, -1)), -1) if vec else matmul(t, out)
    return _solve(a, E.neg(tx), vec=vec)


_solve = Primitive("linalg_solve", _solve_impl, vjp=joint(_solve_vjp),
                   jvp=(_solve_jvp_a, lambda t, out, a, b, vec: _solve(a, t, vec=vec)),
                   batch=_solve_batch, uses_output=True, node_name="LinalgSolveExBackward0")


def solve(A, B, *, left=True, out=None):
    """X with ``A @ X = B`` (``X @ A = B`` when ``left=False``); B may be a (batch of) vector."""
    check_matrix("linalg.solve", A)
    if npdtype(A) != npdtype(B):
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A "
                           f"of type {_dt_name(A)} and B of type {_dt_name(B)} instead")
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    n = A.shape[-1]
    k = B.shape[-1] if vector else B.shape[-2 if left else -1]
    if k != n:
        shape = (B.shape[-1], 1) if vector else tuple(B.shape[-2:])
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and "
                           f"{shape[0]}x{shape[1]})")
    if not left:
        A = _mT(A)
        if not vector:
            return _mT(_solve(A, _mT(B), vec=False))
    return _solve(A, B, vec=vector)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """Solve with the triangle of A (the other triangle is ignored, as in PyTorch)."""
    check_matrix("linalg.solve_triangular", A)
    if B.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 "
                           "dimensions.")
    T = triu(A, 1 if unitriangular else 0) if upper else tril(A, -1 if unitriangular else 0)
    if unitriangular:
        T = E.add(T, _eye_of(A))
    return solve(T, B, left=left)


# ------------------------------------------------------------------ Cholesky

def _chol_fail(m):
    _, info = _first_failure(m, "potrf", lower=1)
    return np.full_like(m, np.nan), info


def _cholesky_impl(a, check):
    try:
        return np.linalg.cholesky(a), np.zeros(a.shape[:-2], np.int32)
    except np.linalg.LinAlgError:
        if check:
            i, info = _first_failure(a, "potrf", lower=1)
            raise LinAlgError(f"linalg.cholesky: {_batch_prefix(a, i)}The factorization could "
                              f"not be completed because the input is not positive-definite (the "
                              f"leading minor of order {info} is not positive-definite).") from None
        return _per_matrix(a, _chol_fail, np.linalg.cholesky)


def _phi(x):
    """Lower triangle with the diagonal halved."""
    return E.sub(tril(x), E.mul(x, E.mul(_eye_of(x), 0.5)))


def _cholesky_vjp(g, out, a, check):
    # gA = L^{-T} Phi(L^T gL) L^{-1}, symmetrised (A is symmetric)
    L = out[0]
    Lt = _mT(L)
    y = _solve(Lt, _phi(matmul(Lt, g[0])), vec=False)
    return _sym(_mT(_solve(Lt, _mT(y), vec=False)))


def _cholesky_jvp(tangents, out, a, check):
    # dL = L Phi(L^{-1} dA L^{-T})
    L = out[0]
    z = _solve(L, tangents[0], vec=False)
    return matmul(L, _phi(_mT(_solve(L, _mT(z), vec=False)))), None


_cholesky = Primitive("linalg_cholesky_ex", _cholesky_impl, vjp=_cholesky_vjp,
                      jvp=joint(_cholesky_jvp), batch=batch_unary, n_out=2, nondiff_out=(1,),
                      uses_output=True, saves=())


def cholesky(A, *, upper=False, out=None):
    """Cholesky factor L (``A = L L^T``) of a symmetric positive-definite matrix; U if upper."""
    check_matrix("linalg.cholesky", A)
    L = _cholesky(A, check=True)[0]
    return _mT(L) if upper else L


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """``(L, info)``; info > 0 is the order of the first non-positive leading minor."""
    check_matrix("linalg.cholesky_ex", A)
    L, info = _cholesky(A, check=bool(check_errors))
    return linalg_cholesky_ex((_mT(L) if upper else L, info))


# ------------------------------------------------------------------ composites

def matrix_power(A, n):
    """``A^n`` by repeated squaring (n < 0 uses the inverse; n = 0 gives the identity)."""
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        check_matrix("linalg.matrix_power", A)
    if n == 0:
        from .copy import clone
        return clone(SH.expand(_eye_of(A), tuple(A.shape)))
    if n < 0:
        A, n = inv(A), -n
    result, base = None, A
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


def multi_dot(tensors, *, out=None):
    """Product of a chain of matrices (first/last may be vectors), in the cheapest order."""
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    first_vec, last_vec = ts[0].ndim == 1, ts[-1].ndim == 1
    if first_vec:
        ts[0] = SH.unsqueeze(ts[0], 0)
    if last_vec:
        ts[-1] = SH.unsqueeze(ts[-1], -1)
    for i, t in enumerate(ts):
        if t.ndim != 2:
            end = "the first" if i == 0 else "the last" if i == len(ts) - 1 else None
            raise RuntimeError(f"multi_dot(): {end} tensor must be 1D or 2D but got {t.ndim}D"
                               if end else f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
        if npdtype(t) != npdtype(ts[0]):
            from .linalg import _cpp
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor "
                               f"0 is {_cpp(ts[0])} and tensor {i} {_cpp(t)}")
    dims = [ts[0].shape[0]] + [t.shape[1] for t in ts]
    for i in range(len(ts) - 1):
        if ts[i].shape[1] != ts[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes "
                               f"{list(ts[i].shape)} and {list(ts[i + 1].shape)} cannot be "
                               f"multiplied")
    r = _chain(ts, _chain_order(dims), 0, len(ts) - 1)
    if first_vec:
        r = SH.squeeze(r, 0)
    if last_vec:
        r = SH.squeeze(r, -1)
    return r


def _chain_order(d):
    """Optimal parenthesisation of a matrix chain (classic O(n^3) dynamic programme)."""
    n = len(d) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + d[i] * d[k + 1] * d[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(ts, split, i, j):
    if i == j:
        return ts[i]
    k = split[i][j]
    return matmul(_chain(ts, split, i, k), _chain(ts, split, k + 1, j))


def vecdot(x, y, *, dim=-1):
    """Dot product of vectors along ``dim`` (broadcasting)."""
    return R.sum(E.mul(x, y), dim)


def cross(input, other, *, dim=-1, out=None):
    """Cross product of 3-vectors along ``dim`` (broadcasting)."""
    from .linalg import _cross
    return _cross(input, other, dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """``linalg.diagonal``: the diagonal of the last two dims by default."""
    return _diagonal_fn(A, offset, dim1, dim2)


def cholesky_solve(B, L, upper=False, *, out=None):
    """Solve ``A X = B`` given the Cholesky factor of A."""
    Lo = _mT(L) if upper else L
    return _solve(_mT(Lo), _solve(Lo, B, vec=False), vec=False)


def cholesky_inverse(L, upper=False, *, out=None):
    """Inverse of ``A = L L^T`` from its Cholesky factor."""
    Lo = _mT(L) if upper else L
    return inv(matmul(Lo, _mT(Lo)))


def _slogdet_top(input):
    check_matrix("slogdet", input)
    return slogdet_t(_slogdet(input))


from . import spectral as _spectral, norms as _norms  # noqa: E402
from .spectral import *  # noqa: E402,F401,F403
from .norms import *  # noqa: E402,F401,F403

__all__ += _spectral.__all__ + _norms.__all__

# top-level functions (``ember.det``, ``ember.svd``...) and Tensor methods, installed by linalg.py
TOP = {"det": det, "logdet": logdet, "slogdet": _slogdet_top, "inverse": inv,
       "matrix_power": matrix_power, "cholesky_solve": cholesky_solve,
       "cholesky_inverse": cholesky_inverse, **_spectral.TOP, **_norms.TOP}
