"""Rows for ember.linalg: inverses, determinants, solves, factorizations and norms.

Samples are well conditioned (diagonally shifted, or symmetric positive definite built from the
sample by ``spd``) so finite differences are accurate; eigen/singular vectors are compared
through gauge-invariant functions (squares, U @ Vh) because their signs are arbitrary."""
import numpy as np

from ._opinfo import OpInfo, S, rand


def _mats(*shapes, shift=4.0):
    def gen(rng):
        return [S(rand(rng, *s) + shift * np.eye(s[-1])) for s in shapes]
    return gen


def _plain(*shapes):
    def gen(rng):
        return [S(rand(rng, *s)) for s in shapes]
    return gen


def _singular(rng):
    """Rank-deficient (rank n-1) matrices: det is 0 but its gradient is not."""
    return [S(rand(rng, 3, 2) @ rand(rng, 2, 3)), S(rand(rng, 2, 4, 3) @ rand(rng, 2, 3, 4))]


def spd(T, a):
    n = a.shape[-1]
    return a @ a.mT + n * T.eye(n, dtype=a.dtype)


INF = float("inf")
OPS = [
    OpInfo("linalg.inv", lambda T, a: T.linalg.inv(a), _mats((3, 3), (2, 3, 3)), ref=np.linalg.inv),
    OpInfo("linalg.inv_ex", lambda T, a: tuple(T.linalg.inv_ex(a)), _mats((3, 3)),
           ref=lambda a: (np.linalg.inv(a), np.zeros((), np.int32))),
    OpInfo("inverse", lambda T, a: a.inverse(), _mats((2, 2)), ref=np.linalg.inv),
    OpInfo("linalg.det", lambda T, a: T.linalg.det(a), _mats((3, 3), (2, 3, 3), shift=0.0),
           ref=np.linalg.det),
    OpInfo("linalg.det.singular", lambda T, a: T.linalg.det(a), _singular, ref=np.linalg.det,
           atol=1e-4),
    OpInfo("linalg.slogdet", lambda T, a: tuple(T.linalg.slogdet(a)),
           lambda rng: [S(rand(rng, 3, 3) + 4 * np.eye(3)), S(-rand(rng, 3, 3) - 4 * np.eye(3)),
                        S(rand(rng, 2, 2, 2) + 3 * np.eye(2))],
           ref=lambda a: tuple(np.linalg.slogdet(a))),
    OpInfo("logdet", lambda T, a: T.logdet(spd(T, a)), _plain((3, 3))),
    OpInfo("linalg.solve", lambda T, a, b: T.linalg.solve(a, b),
           lambda rng: [S(rand(rng, 3, 3) + 4 * np.eye(3), rand(rng, 3, 2)),
                        S(rand(rng, 3, 3) + 4 * np.eye(3), rand(rng, 3)),
                        S(rand(rng, 2, 3, 3) + 4 * np.eye(3), rand(rng, 3, 2)),
                        S(rand(rng, 3, 3) + 4 * np.eye(3), rand(rng, 2, 3, 1)),
                        S(rand(rng, 2, 3, 3) + 4 * np.eye(3), rand(rng, 2, 3))],
           ref=lambda a, b: np.linalg.solve(a, b[..., None])[..., 0]
           if b.shape == a.shape[:-1] else np.linalg.solve(a, b)),
    OpInfo("linalg.solve.right", lambda T, a, b: T.linalg.solve(a, b, left=False),
           lambda rng: [S(rand(rng, 3, 3) + 4 * np.eye(3), rand(rng, 2, 3))],
           ref=lambda a, b: np.linalg.solve(a.T, b.T).T),
    OpInfo("linalg.solve_triangular",
           lambda T, a, b: T.linalg.solve_triangular(a, b, upper=False),
           lambda rng: [S(rand(rng, 3, 3) + 4 * np.eye(3), rand(rng, 3, 2))],
           ref=lambda a, b: np.linalg.solve(np.tril(a), b)),
    OpInfo("linalg.solve_triangular.unit", lambda T, a, b: T.linalg.solve_triangular(
        a, b, upper=True, left=False, unitriangular=True),
           lambda rng: [S(rand(rng, 3, 3), rand(rng, 2, 3))]),
    OpInfo("linalg.cholesky", lambda T, a: T.linalg.cholesky(spd(T, a)),
           _plain((3, 3), (2, 2, 2))),
    OpInfo("linalg.cholesky.upper", lambda T, a: T.linalg.cholesky(spd(T, a), upper=True),
           _plain((3, 3))),
    OpInfo("linalg.cholesky_ex", lambda T, a: tuple(T.linalg.cholesky_ex(spd(T, a))),
           _plain((3, 3))),
    OpInfo("linalg.qr", lambda T, a: tuple(T.linalg.qr(a)),
           _plain((4, 3), (3, 4), (3, 3), (2, 4, 2)), ref=lambda a: tuple(np.linalg.qr(a))),
    OpInfo("linalg.qr.complete", lambda T, a: tuple(T.linalg.qr(a, mode="complete")),
           _plain((2, 3))),
    OpInfo("linalg.eigh", lambda T, a: (lambda r: (r.eigenvalues, r.eigenvectors ** 2))(
        T.linalg.eigh(spd(T, a))), _plain((3, 3), (2, 3, 3))),
    OpInfo("linalg.eigh.upper", lambda T, a: (lambda r: (
        r[0], r[1] @ T.diag_embed(r[0].sin()) @ r[1].mT))(T.linalg.eigh(spd(T, a), UPLO="U")),
           _plain((3, 3))),
    OpInfo("linalg.eigvalsh", lambda T, a: T.linalg.eigvalsh(spd(T, a)), _plain((3, 3), (2, 2, 2))),
    OpInfo("linalg.svd", lambda T, a: (lambda r: (r.U ** 2, r.S, r.Vh ** 2, r.U @ r.Vh))(
        T.linalg.svd(a, full_matrices=False)), _plain((4, 3), (3, 4), (3, 3), (2, 3, 2))),
    OpInfo("linalg.svd.full", lambda T, a: (lambda r: (r.S, r.U[..., :2] @ r.Vh[..., :2, :]))(
        T.linalg.svd(a)), _plain((4, 2), (2, 3))),
    OpInfo("linalg.svdvals", lambda T, a: T.linalg.svdvals(a), _plain((4, 3), (2, 2, 3)),
           ref=lambda a: np.linalg.svd(a, compute_uv=False)),
    OpInfo("svd.torch", lambda T, a: (lambda r: (r.S, r.U @ r.V.mT))(T.svd(a)), _plain((4, 3))),
    OpInfo("linalg.pinv", lambda T, a: T.linalg.pinv(a), _plain((4, 3), (2, 3)),
           ref=np.linalg.pinv),
    OpInfo("linalg.pinv.hermitian", lambda T, a: T.linalg.pinv(spd(T, a), hermitian=True),
           _plain((3, 3))),
    OpInfo("linalg.matrix_power", lambda T, a: T.linalg.matrix_power(a, 3), _plain((3, 3)),
           ref=lambda a: np.linalg.matrix_power(a, 3)),
    OpInfo("linalg.matrix_power.neg", lambda T, a: T.linalg.matrix_power(a, -2),
           _mats((3, 3), (2, 2, 2)), ref=lambda a: np.linalg.matrix_power(a, -2)),
    OpInfo("linalg.matrix_power.zero", lambda T, a: T.linalg.matrix_power(a, 0) + a,
           _plain((2, 2)), ref=lambda a: np.eye(2) + a),
    OpInfo("linalg.matrix_rank", lambda T, a: T.linalg.matrix_rank(a),
           lambda rng: [S(rand(rng, 4, 3)), S(rand(rng, 4, 2) @ rand(rng, 2, 3)),
                        S(rand(rng, 2, 3, 1) @ rand(rng, 2, 1, 3))],
           ref=np.linalg.matrix_rank, grad=False, jvp=False),
    OpInfo("linalg.matrix_rank.hermitian", lambda T, a: T.linalg.matrix_rank(
        a @ a.mT, hermitian=True, atol=1e-3), _plain((3, 2)), grad=False, jvp=False),
    OpInfo("linalg.cond", lambda T, a: T.linalg.cond(a), _mats((3, 3), (2, 3, 3)),
           ref=np.linalg.cond),
    # PyTorch's own backward of cond for these orders fails (it modifies inv's output in place)
    *[OpInfo(f"linalg.cond.{p}", lambda T, a, p=p: T.linalg.cond(a, p), _mats((3, 3)),
             ref=lambda a, p=p: np.linalg.cond(a, p), torch_compare=p == -2)
      for p in ("fro", 1, -2, INF)],
    # ---- norms
    OpInfo("linalg.vector_norm", lambda T, a: T.linalg.vector_norm(a), _plain((3, 4), (5,)),
           ref=lambda a: np.linalg.norm(a.ravel())),
    OpInfo("linalg.vector_norm.dim", lambda T, a: T.linalg.vector_norm(a, 2, (0, 2), True),
           _plain((2, 3, 4)), ref=lambda a: np.sqrt((a * a).sum((0, 2), keepdims=True))),
    *[OpInfo(f"linalg.vector_norm.{name}", lambda T, a, o=o: T.linalg.vector_norm(a, o, -1),
             _plain((3, 4)), ref=lambda a, o=o: np.linalg.norm(a, o, -1))
      for name, o in (("1", 1), ("0", 0), ("3", 3), ("0.5", 0.5), ("-1", -1), ("inf", INF),
                      ("-inf", -INF))],
    *[OpInfo(f"linalg.matrix_norm.{o}", lambda T, a, o=o: T.linalg.matrix_norm(a, o),
             _plain((3, 4), (2, 3, 3)), ref=lambda a, o=o: np.linalg.norm(a, o, (-2, -1)))
      for o in ("fro", "nuc", 1, -1, 2, -2, INF, -INF)],
    OpInfo("linalg.matrix_norm.dim", lambda T, a: T.linalg.matrix_norm(a, 1, (2, 0), True),
           _plain((3, 2, 4)), ref=lambda a: np.linalg.norm(a, 1, (2, 0), keepdims=True)),
    OpInfo("linalg.matrix_norm.nuc_keepdim", lambda T, a: T.linalg.matrix_norm(
        a, "nuc", (0, 2), True), _plain((3, 2, 4)),
           ref=lambda a: np.linalg.norm(a, "nuc", (0, 2), keepdims=True)),
    OpInfo("linalg.norm", lambda T, a: T.linalg.norm(a), _plain((2, 3, 4)),
           ref=lambda a: np.linalg.norm(a.ravel())),
    OpInfo("linalg.norm.ord", lambda T, a: T.linalg.norm(a, 2), _plain((3, 4), (4,)),
           ref=lambda a: np.linalg.norm(a, 2)),
    OpInfo("norm", lambda T, a: T.norm(a), _plain((3, 4)), ref=lambda a: np.linalg.norm(a)),
    OpInfo("norm.p_dim", lambda T, a: a.norm(p=3, dim=1, keepdim=True), _plain((3, 4)),
           ref=lambda a: np.linalg.norm(a, 3, 1, keepdims=True)),
]
