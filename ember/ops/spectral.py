"""QR, symmetric eigendecomposition and SVD with their reverse and forward rules; pinv.

Eigenvectors and singular vectors are defined up to sign (and rotation within degenerate
spaces), so their gradients are only meaningful for gauge-invariant losses and distinct
eigen/singular values, as in PyTorch.  Where a rule divides by a difference of eigenvalues,
equal values give a zero coefficient instead of inf, so gradients that do not involve the
vectors (e.g. only through the eigenvalues) stay finite for degenerate spectra.
"""
import numpy as np

from ..return_types import structseq
from ._primitive import Primitive, joint
from ._util import batch_unary, npdtype
from .linalg import matmul, _mT
from .tri import diagonal, diag_embed, tril, triu
from .decomp import check_matrix, _solve, _sym
from . import elementwise as E, shape as SH, reduction as R

__all__ = ["qr", "eigh", "eigvalsh", "svd", "svdvals", "pinv", "matrix_rank", "cond"]

linalg_qr = structseq("linalg_qr", ("Q", "R"))
linalg_eigh = structseq("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_svd = structseq("linalg_svd", ("U", "S", "Vh"))
svd_t = structseq("svd", ("U", "S", "V"))
qr_t = structseq("qr", ("Q", "R"))


def _pair_inv(x):
    """F[..., i, j] = 1 / (x_j - x_i), and 0 where x_i == x_j (the diagonal included)."""
    from .comparison import eq, where
    d = E.sub(SH.unsqueeze(x, -2), SH.unsqueeze(x, -1))
    same = eq(d, 0)
    return where(same, 0.0, E.div(1.0, where(same, 1.0, d)))


def _diag(x):
    return diagonal(x, 0, -2, -1)


def _narrow(x, dim, start, length):
    from .join import narrow
    return narrow(x, dim, start, length)


def _cat(xs, dim):
    from .join import cat
    return cat(xs, dim)


# ------------------------------------------------------------------ QR

def _qr_impl(a, mode):
    if mode == "r":
        return np.empty((0,), a.dtype), np.linalg.qr(a, mode="r")
    return tuple(np.linalg.qr(a, mode=mode))


def _qr_back_tall(gQ, gR, Q, R):
    # A = QR (m >= n): gA = (gQ + Q copyu(M)) R^{-T}, M = gR R^T - Q^T gQ, copyu mirrors triu
    M = E.sub(matmul(gR, _mT(R)), matmul(_mT(Q), gQ))
    N = E.add(triu(M), _mT(triu(M, 1)))
    return _mT(_solve(R, _mT(E.add(gQ, matmul(Q, N))), vec=False))


def _qr_fwd_tall(dA, Q, R):
    # C = Q^T dA R^{-1}; Q^T dQ = skew part of C's strict lower triangle; dR R^{-1} = C - that
    D = _mT(_solve(_mT(R), _mT(dA), vec=False))
    C = matmul(_mT(Q), D)
    low = tril(C, -1)
    U = E.add(E.sub(C, low), _mT(low))
    return E.sub(D, matmul(Q, U)), matmul(U, R)


def _qr_check(a, mode):
    m, n = a.shape[-2], a.shape[-1]
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when "
                           "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                           "differentiate through linalg.qr.")
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                           "nrows > ncols.")
    return m, n


def _qr_vjp(g, out, a, mode):
    m, n = _qr_check(a, mode)
    (gQ, gR), (Q, R) = g, out
    if m >= n:
        return _qr_back_tall(gQ, gR, Q, R)
    # wide: A = [X | Y] with X = Q R1 square and Y = Q R2
    Y = _narrow(a, -1, m, n - m)
    gR1, gR2 = _narrow(gR, -1, 0, m), _narrow(gR, -1, m, n - m)
    gX = _qr_back_tall(E.add(gQ, matmul(Y, _mT(gR2))), gR1, Q, _narrow(R, -1, 0, m))
    return _cat([gX, matmul(Q, gR2)], -1)


def _qr_jvp(tangents, out, a, mode):
    m, n = _qr_check(a, mode)
    dA, (Q, R) = tangents[0], out
    if m >= n:
        return _qr_fwd_tall(dA, Q, R)
    Y, dY = _narrow(a, -1, m, n - m), _narrow(dA, -1, m, n - m)
    dQ, dR1 = _qr_fwd_tall(_narrow(dA, -1, 0, m), Q, _narrow(R, -1, 0, m))
    dR2 = E.add(matmul(_mT(dQ), Y), matmul(_mT(Q), dY))
    return dQ, _cat([dR1, dR2], -1)


def _qr_batch(prim, args, batched, mode):
    q, r = prim(args[0], mode=mode)
    if mode == "r":         # Q is an empty placeholder: give it the batch dim
        q = SH.expand(SH.unsqueeze(q, 0), (r.shape[0], 0))
    return q, r


_qr = Primitive("linalg_qr", _qr_impl, vjp=joint(_qr_vjp), jvp=joint(_qr_jvp),
                batch=_qr_batch, n_out=2, uses_output=True)


def qr(A, mode="reduced", *, out=None):
    """``(Q, R)`` with Q orthonormal columns and R upper triangular; modes reduced/complete/r."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           f"'reduced' (default), 'r', or 'complete'")
    check_matrix("linalg.qr", A, square=False)
    return linalg_qr(_qr(A, mode=mode))


# ------------------------------------------------------------------ symmetric eigenproblem

def _eigh_vjp(g, out, a, UPLO):
    # gA = V (diag(gL) + F o (V^T gV)) V^T, symmetrised; F_ij = 1 / (l_j - l_i)
    (gl, gv), (w, V) = g, out
    Vt = _mT(V)
    inner = E.add(diag_embed(gl), E.mul(_pair_inv(w), matmul(Vt, gv)))
    return _sym(matmul(matmul(V, inner), Vt))


def _eigh_jvp(tangents, out, a, UPLO):
    w, V = out
    S = matmul(matmul(_mT(V), tangents[0]), V)
    return _diag(S), matmul(V, E.mul(_pair_inv(w), S))


_eigh = Primitive("linalg_eigh", lambda a, UPLO: tuple(np.linalg.eigh(a, UPLO=UPLO)),
                  vjp=joint(_eigh_vjp), jvp=joint(_eigh_jvp), batch=batch_unary, n_out=2,
                  uses_output=True, saves=())


def _uplo(UPLO):
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO.upper()


def eigh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix."""
    check_matrix("linalg.eigh", A)
    return linalg_eigh(_eigh(A, UPLO=_uplo(UPLO)))


def _eigvalsh_vjp(g, out, a, UPLO):
    V = _eigh(a, UPLO=UPLO)[1]
    return matmul(E.mul(V, SH.unsqueeze(g, -2)), _mT(V))


def _eigvalsh_jvp(t, out, a, UPLO):
    V = _eigh(a, UPLO=UPLO)[1]
    return R.sum(E.mul(V, matmul(t, V)), -2)


_eigvalsh = Primitive("linalg_eigvalsh", lambda a, UPLO: np.linalg.eigvalsh(a, UPLO=UPLO),
                      vjp=_eigvalsh_vjp, jvp=_eigvalsh_jvp, batch=batch_unary,
                      node_name="LinalgEighBackward0")


def eigvalsh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) of a symmetric matrix."""
    check_matrix("linalg.eigvalsh", A)
    return _eigvalsh(A, UPLO=_uplo(UPLO))


# ------------------------------------------------------------------ SVD

def _svd_reduced(U, Vh, m, n, full):
    """With full_matrices, only the first k = min(m, n) vectors are determined by A."""
    k = min(m, n)
    if full and m > k:
        U = _narrow(U, -1, 0, k)
    if full and n > k:
        Vh = _narrow(Vh, -2, 0, k)
    return U, Vh


def _svd_vjp(g, out, a, full_matrices):
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    (gU, gS, gVh), (U, S, Vh) = g, out
    U, Vh = _svd_reduced(U, Vh, m, n, full_matrices)
    gU, gVh = _svd_reduced(gU, gVh, m, n, full_matrices)
    Gu = matmul(_mT(U), gU)
    Gv = matmul(Vh, _mT(gVh))
    F = _pair_inv(E.mul(S, S))
    row, col = SH.unsqueeze(S, -2), SH.unsqueeze(S, -1)
    inner = E.add(E.add(diag_embed(gS), E.mul(E.mul(F, E.sub(Gu, _mT(Gu))), row)),
                  E.mul(col, E.mul(F, E.sub(Gv, _mT(Gv)))))
    gA = matmul(matmul(U, inner), Vh)
    if m > k:
        gA = E.add(gA, matmul(E.div(E.sub(gU, matmul(U, Gu)), row), Vh))
    if n > k:
        gA = E.add(gA, matmul(E.div(U, row), E.sub(gVh, matmul(_mT(Gv), Vh))))
    return gA


def _svd_jvp(tangents, out, a, full_matrices):
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    dA, (U0, S, Vh0) = tangents[0], out
    U, Vh = _svd_reduced(U0, Vh0, m, n, full_matrices)
    V = _mT(Vh)
    P = matmul(matmul(_mT(U), dA), V)
    F = _pair_inv(E.mul(S, S))
    row, col = SH.unsqueeze(S, -2), SH.unsqueeze(S, -1)
    Pt = _mT(P)
    dU = matmul(U, E.mul(F, E.add(E.mul(P, row), E.mul(col, Pt))))
    dV = matmul(V, E.mul(F, E.add(E.mul(col, P), E.mul(Pt, row))))
    if m > k:
        dU = E.add(dU, E.div(E.sub(matmul(dA, V), matmul(U, P)), row))
    if n > k:
        dV = E.add(dV, E.div(E.sub(matmul(_mT(dA), U), matmul(V, Pt)), row))
    dVh = _mT(dV)
    if full_matrices and m != n:        # the completing vectors are held fixed
        from .creation import zeros_like
        if m > k:
            dU = _cat([dU, zeros_like(_narrow(U0, -1, k, m - k))], -1)
        else:
            dVh = _cat([dVh, zeros_like(_narrow(Vh0, -2, k, n - k))], -2)
    return dU, _diag(P), dVh


_svd = Primitive("linalg_svd",
                 lambda a, full_matrices: tuple(np.linalg.svd(a, full_matrices=full_matrices)),
                 vjp=joint(_svd_vjp), jvp=joint(_svd_jvp), batch=batch_unary, n_out=3,
                 uses_output=True, saves=())


def svd(A, full_matrices=True, *, driver=None, out=None):
    """``(U, S, Vh)`` with ``A = U diag(S) Vh``; singular values descending."""
    check_matrix("linalg.svd", A, square=False)
    return linalg_svd(_svd(A, full_matrices=bool(full_matrices)))


def _svdvals_vjp(g, out, a):
    U, _, Vh = _svd(a, full_matrices=False)
    return matmul(E.mul(U, SH.unsqueeze(g, -2)), Vh)


def _svdvals_jvp(t, out, a):
    U, _, Vh = _svd(a, full_matrices=False)
    return R.sum(E.mul(U, matmul(t, _mT(Vh))), -2)


_svdvals = Primitive("linalg_svdvals", lambda a: np.linalg.svd(a, compute_uv=False),
                     vjp=_svdvals_vjp, jvp=_svdvals_jvp, batch=batch_unary,
                     node_name="LinalgSvdBackward0")


def svdvals(A, *, driver=None, out=None):
    """Singular values, descending."""
    check_matrix("linalg.svdvals", A, square=False)
    return _svdvals(A)


# ------------------------------------------------------------------ pseudo-inverse

def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Moore-Penrose pseudo-inverse; singular values below max(atol, rtol * s_max) are dropped."""
    from .comparison import gt, where
    from .norms import vector_norm
    if A.ndim < 2 or npdtype(A).kind not in "fc":
        from .einsum import _dt_name
        raise RuntimeError(f"linalg.pinv({_dt_name(A)}{{{list(A.shape)}}}): expected a tensor "
                           f"with 2 or more dimensions of float, double, cfloat or cdouble types")
    check_matrix("linalg.pinv", A, square=hermitian)
    m, n = A.shape[-2], A.shape[-1]
    if hermitian:
        w, V = _eigh(A, UPLO="L")
        s, smax = w, vector_norm(w, float("inf"), -1, True)
    else:
        U, s, Vh = _svd(A, full_matrices=False)
        smax = _narrow(s, -1, 0, 1) if min(m, n) else s
    thr = _cutoff(A, s, atol, rtol, smax)
    keep = gt(_abs(s), thr)
    sinv = where(keep, E.div(1.0, where(keep, s, 1.0)), 0.0)
    if hermitian:
        return matmul(E.mul(V, SH.unsqueeze(sinv, -2)), _mT(V))
    return matmul(E.mul(_mT(Vh), SH.unsqueeze(sinv, -2)), _mT(U))


def _cutoff(A, s, atol, rtol, smax):
    """max(atol, rtol * s_max) with PyTorch's defaults (rtol = eps * max(m, n) without atol)."""
    from .comparison import gt, where
    m, n = A.shape[-2], A.shape[-1]
    if rtol is None:
        rtol = float(np.finfo(npdtype(A)).eps) * max(m, n) if atol is None or _is_zero(atol) \
            else 0.0
    thr = E.mul(smax, rtol)
    if atol is not None and not _is_zero(atol):
        thr = where(gt(thr, atol), thr, atol)
    return thr


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """Number of singular values above the cutoff (an int64 count, not differentiable)."""
    from .comparison import gt
    from .norms import vector_norm
    check_matrix("linalg.matrix_rank", A, square=hermitian)
    s = _abs(_eigvalsh(A, UPLO="L")) if hermitian else _svdvals(A)
    if min(A.shape[-2], A.shape[-1]) == 0:
        return R.sum(gt(s, 0), -1)
    smax = vector_norm(s, float("inf"), -1, True)
    return R.sum(gt(s, _cutoff(A, s, atol, rtol, smax)), -1)


def cond(A, p=None, *, out=None):
    """Condition number: ratio of extreme singular values (p = None, 2, -2) or
    ``norm(A, p) * norm(inv(A), p)``."""
    from .norms import matrix_norm
    from .decomp import inv
    if p in (None, 2, -2):
        check_matrix("linalg.cond", A, square=False)
        s = _svdvals(A)
        k = s.shape[-1]
        big, small = _narrow(s, -1, 0, 1), _narrow(s, -1, k - 1, 1)
        r = E.div(big, small) if p != -2 else E.div(small, big)
        return SH.squeeze(r, -1)
    if A.ndim >= 2 and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.cond(ord={p}): A must be batches of square matrices, but "
                           f"they are {A.shape[-2]} by {A.shape[-1]} matrices")
    check_matrix("linalg.cond", A)
    return E.mul(matrix_norm(A, p), matrix_norm(inv(A), p))


def _is_zero(x):
    return isinstance(x, (int, float)) and x == 0


def _abs(x):
    from .comparison import lt, where
    return where(lt(x, 0), E.neg(x), x)


def pinverse(input, rcond=1e-15):
    """``torch.pinverse``: pinv with a relative cutoff."""
    return pinv(input, rtol=rcond)


def svd_top(input, some=True, compute_uv=True, *, out=None):
    """``torch.svd``: returns ``(U, S, V)`` (V, not Vh); ``some`` = reduced matrices."""
    check_matrix("svd", input, square=False)
    if not compute_uv:
        from .creation import zeros
        m, n = input.shape[-2], input.shape[-1]
        b = tuple(input.shape[:-2])
        return svd_t((zeros(b + (m, m), dtype=input.dtype), _svdvals(input),
                      zeros(b + (n, n), dtype=input.dtype)))
    U, S, Vh = _svd(input, full_matrices=not some)
    return svd_t((U, S, _mT(Vh)))


def qr_top(input, some=True, *, out=None):
    """``torch.qr``: reduced (``some``) or complete QR."""
    check_matrix("qr", input, square=False)
    return qr_t(_qr(input, mode="reduced" if some else "complete"))


def cholesky_top(input, upper=False, *, out=None):
    """``torch.cholesky`` (deprecated in PyTorch in favour of linalg.cholesky)."""
    from .decomp import cholesky
    return cholesky(input, upper=upper)


TOP = {"svd": svd_top, "qr": qr_top, "pinverse": pinverse, "cholesky": cholesky_top}
