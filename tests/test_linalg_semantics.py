"""Linear algebra semantics beyond the op table: PyTorch's error types and messages, node names,
named tuples, views and in-place ops, singular inputs, einsum parsing and its BLAS lowering,
broadcasting of matmul in every case (against PyTorch when installed)."""
import itertools

import numpy as np
import pytest

import ember
from ember.func import vmap, grad, jacrev, jacfwd, hessian

try:
    import torch
except ImportError:      # the PyTorch oracle is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed")
rng = np.random.default_rng(0)


def E(a, **kw):
    return ember.tensor(np.asarray(a, dtype=np.float64), **kw)


def raises(exc, msg, fn, *args, **kwargs):
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    assert str(info.value) == msg, str(info.value)


def np_(t):
    return t.detach().numpy()


# ---------------------------------------------------------------- matmul: every case

SHAPES = [(3,), (4,), (1,), (2, 3), (3, 4), (4, 5), (3, 1), (1, 3), (2, 2, 3), (2, 3, 4),
          (1, 3, 4), (5, 3, 4), (2, 4, 5), (2, 1, 3, 4), (3, 2, 3, 4), (0, 3), (3, 0),
          (2, 0, 3), (5, 4, 3)]


@needs_torch
@pytest.mark.parametrize("sa,sb", list(itertools.product(SHAPES, SHAPES)))
def test_matmul_matches_torch(sa, sb):
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    try:
        want, terr = torch.from_numpy(a) @ torch.from_numpy(b), None
    except RuntimeError as e:
        terr = e
    if terr is not None:
        if 0 in sa + sb and "size mismatch" in str(terr):   # PyTorch folds by the strides
            with pytest.raises(RuntimeError):
                E(a) @ E(b)
            return
        raises(RuntimeError, str(terr), lambda: E(a) @ E(b))
        return
    got = E(a) @ E(b)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(np_(got), want.numpy(), atol=1e-12)


def test_matmul_messages():
    raises(RuntimeError, "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)",
           ember.matmul, ember.ones(2, 3), ember.ones(4, 5))
    raises(RuntimeError, "mat1 and mat2 shapes cannot be multiplied (20x3 and 4x5)",
           ember.matmul, ember.ones(5, 4, 3), ember.ones(4, 5))
    raises(RuntimeError, "size mismatch, got input (2), mat (2x3), vec (4)",
           ember.matmul, ember.ones(2, 3), ember.ones(4))
    raises(RuntimeError, "inconsistent tensor size, expected tensor [3] and src [4] to have the "
           "same number of elements, but got 3 and 4 elements respectively",
           ember.matmul, ember.ones(3), ember.ones(4))
    raises(RuntimeError, "Expected size for first two dimensions of batch2 tensor to be: [2, 3] "
           "but got: [2, 4].", ember.matmul, ember.ones(2, 2, 3), ember.ones(2, 4, 5))
    raises(RuntimeError, "The size of tensor a (2) must match the size of tensor b (3) at "
           "non-singleton dimension 0", ember.matmul, ember.ones(2, 2, 3), ember.ones(3, 3, 5))
    raises(RuntimeError, "both arguments to matmul need to be at least 1D, but they are 0D and "
           "1D", ember.matmul, ember.ones(()), ember.ones(3))
    raises(RuntimeError, "expected m1 and m2 to have the same dtype, but got: float != double",
           ember.matmul, ember.ones(2, 2), ember.ones(2, 2, dtype=ember.float64))
    raises(RuntimeError, "expected scalar type Float but found Double", ember.matmul,
           ember.ones(1, 2, 2), ember.ones(1, 2, 2, dtype=ember.float64))
    raises(TypeError, "matmul(): argument 'other' (position 2) must be Tensor, not int",
           ember.matmul, ember.ones(2, 2), 3)
    raises(NotImplementedError, "\"addmm_impl_cpu_\" not implemented for 'Bool'",
           ember.matmul, ember.ones(2, 2, dtype=ember.bool), ember.ones(2, 2, dtype=ember.bool))


def test_product_messages():
    raises(RuntimeError, "self must be a matrix", ember.mm, ember.ones(2, 3, 3), ember.ones(3, 5))
    raises(RuntimeError, "mat2 must be a matrix", ember.mm, ember.ones(2, 3), ember.ones(3))
    raises(RuntimeError, "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)", ember.mm,
           ember.ones(2, 3), ember.ones(4, 5))
    raises(TypeError, "mm(): argument 'mat2' (position 2) must be Tensor, not int", ember.mm,
           ember.ones(2, 3), 3)
    raises(RuntimeError, "vector + matrix @ vector expected, got 1, 2, 2", ember.mv,
           ember.ones(2, 3), ember.ones(3, 1))
    raises(RuntimeError, "size mismatch, got input (2), mat (2x3), vec (4)", ember.mv,
           ember.ones(2, 3), ember.ones(4))
    raises(RuntimeError, "1D tensors expected, but got 2D and 1D tensors", ember.dot,
           ember.ones(2, 1), ember.ones(3))
    raises(RuntimeError, "dot : expected both vectors to have same dtype, but found Float and "
           "Double", ember.dot, ember.ones(2), ember.ones(2, dtype=ember.float64))
    raises(RuntimeError, "batch1 must be a 3D tensor", ember.bmm, ember.ones(2, 3),
           ember.ones(2, 3, 4))
    raises(RuntimeError, "Expected size for first two dimensions of batch2 tensor to be: [2, 3] "
           "but got: [3, 3].", ember.bmm, ember.ones(2, 2, 3), ember.ones(3, 3, 5))
    raises(RuntimeError, "mat1 must be a matrix, got 1-D tensor", ember.addmm, ember.ones(2, 3),
           ember.ones(2), ember.ones(3, 3))
    raises(RuntimeError, "The expanded size of the tensor (2) must match the existing size (5) "
           "at non-singleton dimension 0.  Target sizes: [2, 3].  Tensor sizes: [5, 3]",
           ember.addmm, ember.ones(5, 3), ember.ones(2, 3), ember.ones(3, 3))
    raises(RuntimeError, "self and mat2 must have the same dtype, but got Double and Float",
           ember.addmm, ember.ones(2, 3, dtype=ember.float64), ember.ones(2, 3), ember.ones(3, 3))
    raises(RuntimeError, "outer: Expected 1-D argument self, but got 2-D", ember.outer,
           ember.ones(2, 3), ember.ones(3))
    raises(RuntimeError, "inner() the last dimension must match on both input tensors but got "
           "shapes [2, 3] and [4]", ember.inner, ember.ones(2, 3), ember.ones(4))
    raises(RuntimeError, "batch1 and batch2 must have same number of batches, got 2 and 3",
           ember.addbmm, ember.ones(2, 3), ember.ones(2, 2, 3), ember.ones(3, 3, 3))
    raises(RuntimeError, "linalg.cross: inputs dimension -1 must have length 3. Got 3 and 4",
           ember.linalg.cross, ember.ones(2, 3), ember.ones(2, 4))
    raises(RuntimeError, "no dimension of size 3 in input", ember.cross, ember.ones(4, 2),
           ember.ones(4, 2))


def test_integer_and_mixed_products():
    a = ember.tensor([[1, 2], [3, 4]])
    r = a @ a
    assert r.dtype == ember.int64 and r.tolist() == [[7, 10], [15, 22]]
    assert ember.trace(ember.ones(2, 2, dtype=ember.int32)).dtype == ember.int64


def test_node_names():
    a = E(rng.standard_normal((3, 3)), requires_grad=True)
    v = E(rng.standard_normal(3), requires_grad=True)
    s = a @ a.mT + 3 * ember.eye(3, dtype=ember.float64)
    cases = {
        "MmBackward0": a @ a, "MvBackward0": a @ v, "DotBackward0": v @ v,
        "BmmBackward0": ember.bmm(a[None], a[None]), "AddmmBackward0": ember.addmm(v, a, a),
        "AddmvBackward0": ember.addmv(v, a, v), "AddrBackward0": ember.addr(a, v, v),
        "BaddbmmBackward0": ember.baddbmm(a, a[None], a[None]),
        "AddbmmBackward0": ember.addbmm(a, a[None], a[None]), "VdotBackward0": ember.vdot(v, v),
        "MulBackward0": ember.outer(v, v), "TraceBackward0": ember.trace(a),
        "TrilBackward0": ember.tril(a), "TriuBackward0": ember.triu(a),
        "DiagonalBackward0": ember.diagonal(a), "DiagEmbedBackward0": ember.diag_embed(v),
        "LinalgInvExBackward0": ember.linalg.inv(a), "LinalgDetBackward0": ember.linalg.det(a),
        "LinalgSlogdetBackward0": ember.linalg.slogdet(a).logabsdet,
        "LinalgSolveExBackward0": ember.linalg.solve(a, v),
        "LinalgCholeskyExBackward0": ember.linalg.cholesky(s),
        "LinalgQrBackward0": ember.linalg.qr(a).Q, "LinalgEighBackward0": ember.linalg.eigh(s)[1],
        "LinalgSvdBackward0": ember.linalg.svd(a).S,
        "LinalgVectorNormBackward0": ember.linalg.vector_norm(a),
        "EinsumBackward0": ember.einsum("ij,jk", a, a),
    }
    for name, t in cases.items():
        assert t.grad_fn.name() == name, (name, t.grad_fn.name())
    assert ember.linalg.eigvalsh(s).grad_fn.name() == "LinalgEighBackward0"
    assert ember.linalg.svdvals(a).grad_fn.name() == "LinalgSvdBackward0"


# ---------------------------------------------------------------- addmm & co.

def test_addmm_beta_zero_ignores_nan_input():
    inp = ember.full((2, 2), float("nan"))
    a = ember.ones(2, 3)
    r = ember.addmm(inp, a, ember.ones(3, 2), beta=0, alpha=2)
    assert np.all(r.numpy() == 6)


def test_inplace_products():
    x = ember.zeros(2, 2)
    x.addmm_(ember.ones(2, 3), ember.ones(3, 2), alpha=0.5)
    assert np.all(x.numpy() == 1.5)
    y = ember.ones(3, 3)
    assert y.tril_(-1) is y and y.numpy().tolist() == np.tril(np.ones((3, 3)), -1).tolist()
    y = ember.ones(3, 3)
    y.triu_()
    assert y.numpy().tolist() == np.triu(np.ones((3, 3))).tolist()


def test_vmap_addmm_linear_layer_per_example():
    """Per-example gradients of a Linear layer written with addmm (bias broadcast)."""
    W, b = E(rng.standard_normal((4, 3))), E(rng.standard_normal(3))
    X, Y = E(rng.standard_normal((5, 4))), E(rng.standard_normal((5, 3)))

    def loss(W, b, x, y):
        return ((ember.addmm(b, x[None], W) - y) ** 2).sum()
    gW, gb = vmap(grad(loss, argnums=(0, 1)), in_dims=(None, None, 0, 0))(W, b, X, Y)
    for i in range(5):
        Wi, bi = W.detach().requires_grad_(), b.detach().requires_grad_()
        loss(Wi, bi, X[i], Y[i]).backward()
        np.testing.assert_allclose(np_(gW[i]), np_(Wi.grad), atol=1e-12)
        np.testing.assert_allclose(np_(gb[i]), np_(bi.grad), atol=1e-12)


# ---------------------------------------------------------------- einsum

@needs_torch
@pytest.mark.parametrize("eq,shapes", [
    ("ij,jk->ik", [(2, 1), (3, 4)]), ("ij,jk->ik", [(2, 3), (2, 4)]), ("...ij->ij", [(5, 2, 3)]),
    ("i..j,jk", [(2, 3), (3, 4)]), ("ij,jk->ik", [(2, 3)]), ("ij->ik", [(2, 3)]),
    ("ij->ii", [(2, 3)]), ("ijk", [(2, 3)]), ("i1", [(2, 3)]), ("...ijk", [(2, 3)]),
    ("...ij,...jk->...ik", [(5, 2, 2, 3), (4, 3, 4)]), ("ii->", [(2, 3)]),
    ("Ba,aC", [(2, 3), (3, 4)]), ("a,B", [(2,), (3,)]), ("b...,a", [(2, 5), (3,)]),
    ("i j , j k", [(2, 3), (3, 4)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("a...,a...->...", [(2, 3), (2,)]), ("i...->...i", [(2, 3, 4)]), ("->", [()])])
def test_einsum_parsing_matches_torch(eq, shapes):
    arrs = [rng.standard_normal(s) for s in shapes]
    try:
        want, terr = torch.einsum(eq, *[torch.from_numpy(a) for a in arrs]), None
    except RuntimeError as e:
        terr = e
    if terr is not None:
        raises(RuntimeError, str(terr), ember.einsum, eq, *[E(a) for a in arrs])
        return
    got = ember.einsum(eq, *[E(a) for a in arrs])
    np.testing.assert_allclose(np_(got), want.numpy(), atol=1e-12)


EINSUMS = [("bij,bjk->bik", [(3, 8, 9), (3, 9, 7)]), ("bij,bkj->kib", [(3, 8, 9), (3, 7, 9)]),
           ("ij,jk->ki", [(8, 9), (9, 7)]), ("bhqd,bhkd->bhqk", [(2, 3, 6, 5), (2, 3, 7, 5)]),
           ("bij,jk->bik", [(1, 8, 9), (9, 7)]), ("bij,bjk->ik", [(4, 8, 9), (1, 9, 7)]),
           ("aij,ajk->aik", [(3, 8, 1), (3, 9, 7)]), ("iij,jk->ik", [(8, 8, 9), (9, 7)]),
           ("ij,jk,kl,lm->im", [(8, 9), (9, 7), (7, 6), (6, 5)]),
           ("ijz,jk->ik", [(8, 9, 3), (9, 7)]), ("ijz,jk->ik", [(8, 1, 3), (9, 7)]),
           ("...ij,...jk", [(2, 1, 8, 9), (3, 9, 7)])]


@pytest.mark.parametrize("small", [True, False])
@pytest.mark.parametrize("eq,shapes", EINSUMS)
def test_einsum_blas_lowering_forward_and_grad(eq, shapes, small, monkeypatch):
    """Both the NumPy-loop path and the matmul lowering (forced with _SMALL = 0), gradients
    against a NumPy reference built from einsums."""
    from ember.ops import einsum as mod
    monkeypatch.setattr(mod, "_SMALL", 1 << 60 if small else 0)
    monkeypatch.setattr(mod, "_PLANS", {})
    arrs = [rng.standard_normal(s) for s in shapes]
    ts = [E(a, requires_grad=True) for a in arrs]
    out = ember.einsum(eq, *ts)
    want = np.einsum(eq, *arrs)
    np.testing.assert_allclose(np_(out), want, atol=1e-10)
    g = rng.standard_normal(want.shape)
    grads = ember.autograd.grad((out * E(g)).sum(), ts)
    for k, (a, gk) in enumerate(zip(arrs, grads)):
        num = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            d = np.zeros_like(a)
            d[idx] = 1e-6
            p = [x.copy() for x in arrs]
            m = [x.copy() for x in arrs]
            p[k] = p[k] + d
            m[k] = m[k] - d
            num[idx] = (np.sum(np.einsum(eq, *p) * g) - np.sum(np.einsum(eq, *m) * g)) / 2e-6
        np.testing.assert_allclose(np_(gk), num, atol=1e-6, rtol=1e-6)


def test_einsum_sublist_and_list_forms():
    a, b = E(rng.standard_normal((2, 3))), E(rng.standard_normal((3, 4)))
    want = np_(a) @ np_(b)
    np.testing.assert_allclose(np_(ember.einsum(a, [0, 1], b, [1, 2], [0, 2])), want)
    np.testing.assert_allclose(np_(ember.einsum("ij,jk", [a, b])), want)
    raises(ValueError, "einsum(): must specify the equation string and at least one operand, or "
           "at least one operand and its subscripts list", ember.einsum, "ij,jk")
    raises(RuntimeError, "expected scalar type Double but found Float", ember.einsum, "ij,jk",
           a, b.float())


def test_einsum_under_transforms():
    a, b = E(rng.standard_normal((4, 3, 5))), E(rng.standard_normal((5, 2)))
    f = lambda x, y: ember.einsum("ij,jk->ik", x, y).sin().sum()
    gs = vmap(grad(f), in_dims=(0, None))(a, b)
    for i in range(4):
        x = a[i].detach().requires_grad_()
        f(x, b).backward()
        np.testing.assert_allclose(np_(gs[i]), np_(x.grad), atol=1e-12)
    h = hessian(lambda x: ember.einsum("i,ij,j->", x, b @ b.mT, x))(E(rng.standard_normal(5)))
    np.testing.assert_allclose(np_(h), 2 * np_(b @ b.mT), atol=1e-12)


# ---------------------------------------------------------------- diagonals and triangles

def test_diagonal_is_a_writable_view():
    x = ember.zeros(3, 3)
    d = x.diagonal()
    d += 1
    assert np.all(x.numpy() == np.eye(3))
    assert x._version == 1 and d._base is x
    w = E(np.zeros((2, 3)), requires_grad=True).clone()
    w.diagonal(1).mul_(0).add_(ember.ones(2, dtype=ember.float64))
    assert np_(w).tolist() == [[0, 1, 0], [0, 0, 1]]


def test_diag_forms_and_messages():
    v = E([1.0, 2.0])
    assert ember.diag(v, 1).numpy().tolist() == np.diag([1.0, 2.0], 1).tolist()
    assert ember.diag(ember.diag(v)).numpy().tolist() == [1.0, 2.0]
    assert tuple(ember.diag_embed(ember.ones(2, 3), 1, 0, 2).shape) == (4, 2, 4)
    raises(RuntimeError, "diag(): Supports 1D or 2D tensors. Got 3D", ember.diag,
           ember.ones(2, 2, 2))
    raises(RuntimeError, "diagonal dimensions cannot be identical 1, 1", ember.diagonal,
           ember.ones(2, 2, 2), 0, 1, 1)
    raises(RuntimeError, "tril: input tensor must have at least 2 dimensions", ember.tril,
           ember.ones(3))
    raises(RuntimeError, "trace: expected a matrix, but got tensor with dim 3", ember.trace,
           ember.ones(2, 2, 2))
    assert tuple(ember.diagonal(ember.ones(3, 3), 5).shape) == (0,)


# ---------------------------------------------------------------- ember.linalg errors

def test_linalg_input_checks():
    raises(RuntimeError, "linalg.inv: A must be batches of square matrices, but they are 2 by 3 "
           "matrices", ember.linalg.inv, ember.ones(2, 3))
    raises(RuntimeError, "linalg.inv: The input tensor A must have at least 2 dimensions.",
           ember.linalg.inv, ember.ones(3))
    raises(RuntimeError, "linalg.det: Expected a floating point or complex tensor as input. Got "
           "Long", ember.linalg.det, ember.ones(2, 2, dtype=ember.int64))
    raises(RuntimeError, "linalg.solve: Incompatible shapes of A and B for the equation AX = B "
           "(2x2 and 3x1)", ember.linalg.solve, ember.ones(2, 2), ember.ones(3))
    raises(RuntimeError, "linalg.solve: Expected A and B to have the same dtype, but found A of "
           "type Float and B of type Double instead", ember.linalg.solve, ember.eye(2),
           ember.ones(2, dtype=ember.float64))
    raises(RuntimeError, "Expected UPLO argument to be 'L' or 'U', but got X", ember.linalg.eigh,
           ember.eye(2), UPLO="X")
    raises(RuntimeError, "qr received unrecognized mode 'bad' but expected one of 'reduced' "
           "(default), 'r', or 'complete'", ember.linalg.qr, ember.eye(2), mode="bad")
    raises(RuntimeError, "linalg.vector_norm: Expected a floating point or complex tensor as "
           "input. Got Long", ember.linalg.vector_norm, ember.ones(3, dtype=ember.int64))
    raises(RuntimeError, "linalg.matrix_norm: Order 3 not supported.", ember.linalg.matrix_norm,
           ember.ones(3, 3), 3)
    raises(RuntimeError, "linalg.norm: If dim is not specified but ord is, the input must be 1D "
           "or 2D. Got 3D.", ember.linalg.norm, ember.ones(2, 2, 2), 2)


def test_singular_and_not_positive_definite():
    sing = E([[1.0, 2.0], [2.0, 4.0]])
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)
    raises(ember.linalg.LinAlgError, "linalg.inv: The diagonal element 2 is zero, the inversion "
           "could not be completed because the input matrix is singular.", ember.linalg.inv, sing)
    raises(ember.linalg.LinAlgError, "linalg.inv: (Batch element 1): The diagonal element 2 is "
           "zero, the inversion could not be completed because the input matrix is singular.",
           ember.linalg.inv, ember.stack([ember.eye(2, dtype=ember.float64), sing]))
    raises(ember.linalg.LinAlgError, "torch.linalg.solve: The solver failed because the input "
           "matrix is singular.", ember.linalg.solve, sing, ember.ones(2, dtype=ember.float64))
    raises(ember.linalg.LinAlgError, "linalg.cholesky: The factorization could not be completed "
           "because the input is not positive-definite (the leading minor of order 2 is not "
           "positive-definite).", ember.linalg.cholesky, E([[1.0, 2.0], [2.0, 1.0]]))
    r = ember.linalg.inv_ex(ember.stack([ember.eye(2, dtype=ember.float64), sing]))
    assert r.info.tolist() == [0, 2] and r.info.dtype == ember.int32
    np.testing.assert_allclose(np_(r.inverse[0]), np.eye(2))
    c = ember.linalg.cholesky_ex(-ember.eye(3))
    assert int(c.info) == 1


@needs_torch
def test_det_of_singular_matrices_has_torch_gradients():
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])     # rank 2
    w = np.arange(9.0).reshape(3, 3)
    for m in (a, np.zeros((3, 3))):
        x = E(m, requires_grad=True)
        tx = torch.tensor(m, requires_grad=True)
        g, = ember.autograd.grad(ember.linalg.det(x), x, create_graph=True)
        tg, = torch.autograd.grad(torch.linalg.det(tx), tx, create_graph=True)
        np.testing.assert_allclose(np_(g), tg.detach().numpy(), atol=1e-12)
        if m.any():      # rank n-1: the second derivative is finite too
            h, = ember.autograd.grad((g * E(w)).sum(), x)
            th, = torch.autograd.grad((tg * torch.tensor(w)).sum(), tx)
            np.testing.assert_allclose(np_(h), th.numpy(), atol=1e-10)
    H = hessian(ember.linalg.det)(E(a))
    np.testing.assert_allclose(np_(H), torch.func.hessian(torch.linalg.det)(
        torch.tensor(a)).numpy(), atol=1e-10)


def test_qr_backward_errors():
    a = E(rng.standard_normal((4, 3)), requires_grad=True)
    raises(RuntimeError, "The QR decomposition is not differentiable when mode='complete' and "
           "nrows > ncols.", lambda: ember.linalg.qr(a, mode="complete").Q.sum().backward())
    raises(RuntimeError, "The derivative of linalg.qr depends on Q, which is not computed when "
           "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to differentiate "
           "through linalg.qr.", lambda: ember.linalg.qr(a, mode="r").R.sum().backward())
    assert tuple(ember.linalg.qr(a, mode="r").Q.shape) == (0,)


def test_named_tuples():
    a = E(rng.standard_normal((3, 3)))
    s = a @ a.mT + ember.eye(3, dtype=ember.float64)
    assert ember.linalg.slogdet(a)._fields == ("sign", "logabsdet")
    assert repr(ember.linalg.slogdet(a)).startswith("torch.return_types.linalg_slogdet(")
    w, V = ember.linalg.eigh(s)
    assert w is not None and ember.linalg.eigh(s).eigenvectors.shape == (3, 3)
    assert np.all(np.diff(w.numpy()) > 0)
    U, S, Vh = ember.linalg.svd(a)
    np.testing.assert_allclose(np_(U @ ember.diag(S) @ Vh), np_(a), atol=1e-12)
    assert ember.linalg.qr(a)._fields == ("Q", "R")
    assert ember.svd(a)._fields == ("U", "S", "V") and ember.slogdet(a)._fields == (
        "sign", "logabsdet")
    assert ember.linalg.inv_ex(a)._fields == ("inverse", "info")
    assert ember.linalg.cholesky_ex(s)._fields == ("L", "info")


# ---------------------------------------------------------------- gradients and transforms

def test_norm_gradients_at_zero_and_ties():
    z = ember.zeros(3, dtype=ember.float64, requires_grad=True)
    for o in (2, 1, 3, 0.5, -1, float("inf")):
        g, = ember.autograd.grad(ember.linalg.vector_norm(z, o), z)
        assert np.all(g.numpy() == 0), o
    x = E([1.0, -3.0, 3.0, 2.0], requires_grad=True)
    g, = ember.autograd.grad(ember.linalg.vector_norm(x, float("inf")), x)
    assert g.numpy().tolist() == [0.0, -0.5, 0.5, 0.0]


def test_vmap_solve_broadcasting():
    A = E(rng.standard_normal((4, 3, 3)) + 4 * np.eye(3))
    B = E(rng.standard_normal((2, 3, 5)))
    out = vmap(ember.linalg.solve, in_dims=(0, None))(A, B)        # A (3,3) vs B (2,3,5)
    for i in range(4):
        np.testing.assert_allclose(np_(out[i]), np.linalg.solve(np_(A[i]), np_(B)), atol=1e-12)
    v = E(rng.standard_normal((4, 3)))
    out = vmap(ember.linalg.solve, in_dims=(None, 0))(A[0], v)       # vector right-hand sides
    np.testing.assert_allclose(np_(out), np.linalg.solve(np_(A[0]), np_(v).T).T, atol=1e-12)


@needs_torch
def test_jacobians_of_decompositions_match_torch():
    a = rng.standard_normal((3, 3))
    spd = a @ a.T + 3 * np.eye(3)
    cases = [(lambda T, x: T.linalg.inv(x), a), (lambda T, x: T.linalg.slogdet(x)[1], a),
             (lambda T, x: T.linalg.cholesky(x), spd), (lambda T, x: T.linalg.eigvalsh(x), spd),
             (lambda T, x: T.linalg.eigh(x)[1] ** 2, spd),
             (lambda T, x: T.linalg.svdvals(x), a), (lambda T, x: T.linalg.qr(x)[1], a),
             (lambda T, x: T.linalg.matrix_norm(x, "nuc"), a)]
    for f, m in cases:       # forward and reverse separately: PyTorch's differ off the symmetric
        for mine, theirs in ((jacrev, torch.func.jacrev), (jacfwd, torch.func.jacfwd)):
            want = theirs(lambda x: f(torch, x))(torch.tensor(m)).numpy()
            got = mine(lambda x: f(ember, x))(E(m))
            np.testing.assert_allclose(np_(got), want, atol=1e-10)


def test_hessian_of_logdet():
    a = rng.standard_normal((3, 3))
    s = E(a @ a.T + 3 * np.eye(3))
    H = hessian(lambda x: ember.logdet(x))(s)
    inv = np.linalg.inv(np_(s))
    np.testing.assert_allclose(np_(H), -np.einsum("li,jk->ijkl", inv, inv), atol=1e-12)
