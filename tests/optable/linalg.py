"""Rows for the matrix products, einsum, diagonals/triangles (ember/ops/linalg.py, einsum.py,
tri.py).  Decompositions and norms are in ``decomp.py`` of this package."""
import numpy as np

from ._opinfo import OpInfo, S, rand


def _pairs(*shape_pairs):
    def gen(rng):
        return [S(rand(rng, *a), rand(rng, *b)) for a, b in shape_pairs]
    return gen


def _triples(*shapes):
    def gen(rng):
        return [S(*(rand(rng, *s) for s in t)) for t in shapes]
    return gen


def _one(*shapes):
    def gen(rng):
        return [S(rand(rng, *s)) for s in shapes]
    return gen


OPS = [
    # ---- matmul in every broadcasting case (1-D operands, batch broadcasting both ways)
    OpInfo("matmul.mm", lambda T, a, b: a @ b, _pairs(((3, 4), (4, 2))), ref=np.matmul),
    OpInfo("matmul.mv", lambda T, a, b: a @ b, _pairs(((3, 4), (4,))), ref=np.matmul),
    OpInfo("matmul.vm", lambda T, a, b: a @ b, _pairs(((4,), (4, 3))), ref=np.matmul),
    OpInfo("matmul.dot", lambda T, a, b: a @ b, _pairs(((4,), (4,))), ref=np.matmul),
    OpInfo("matmul.batched", lambda T, a, b: T.matmul(a, b),
           _pairs(((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)), ((2, 1, 3, 4), (3, 4, 2)),
                  ((2, 3, 4), (4,)), ((4,), (2, 4, 3)), ((2, 3, 4), (2, 4, 2)),
                  ((1, 3, 4), (2, 4, 2)), ((2, 2, 3), (3, 1)), ((2, 9, 3), (3, 2)),
                  ((3, 4), (2, 4, 1))),
           ref=np.matmul),
    OpInfo("mm", lambda T, a, b: T.mm(a, b), _pairs(((3, 4), (4, 2)), ((1, 5), (5, 1))),
           ref=np.matmul),
    OpInfo("mv", lambda T, a, b: T.mv(a, b), _pairs(((3, 4), (4,))), ref=np.matmul),
    OpInfo("dot", lambda T, a, b: T.dot(a, b), _pairs(((5,), (5,))), ref=np.dot),
    OpInfo("vdot", lambda T, a, b: T.vdot(a, b), _pairs(((5,), (5,))), ref=np.vdot),
    OpInfo("bmm", lambda T, a, b: T.bmm(a, b), _pairs(((2, 3, 4), (2, 4, 5))), ref=np.matmul),
    OpInfo("inner", lambda T, a, b: T.inner(a, b), _pairs(((2, 3), (4, 3)), ((3,), (3,)),
                                                         ((2, 3), ())),
           ref=np.inner),
    OpInfo("outer", lambda T, a, b: T.outer(a, b), _pairs(((3,), (4,))), ref=np.outer),
    OpInfo("addmm", lambda T, c, a, b: T.addmm(c, a, b),
           _triples(((3, 2), (3, 4), (4, 2)), ((2,), (3, 4), (4, 2)), ((), (3, 4), (4, 2))),
           ref=lambda c, a, b: c + a @ b),
    OpInfo("addmm.scaled", lambda T, c, a, b: T.addmm(c, a, b, beta=0.5, alpha=-2.0),
           _triples(((3, 1), (3, 4), (4, 2))), ref=lambda c, a, b: 0.5 * c - 2.0 * (a @ b)),
    OpInfo("addmm.beta0", lambda T, c, a, b: T.addmm(c, a, b, beta=0, alpha=3),
           _triples(((3, 2), (3, 4), (4, 2))), ref=lambda c, a, b: 3 * (a @ b)),
    OpInfo("addmv", lambda T, c, a, b: T.addmv(c, a, b, beta=2, alpha=0.5),
           _triples(((3,), (3, 4), (4,)), ((), (3, 4), (4,))),
           ref=lambda c, a, b: 2 * c + 0.5 * (a @ b)),
    OpInfo("addr", lambda T, c, a, b: T.addr(c, a, b, alpha=1.5),
           _triples(((3, 4), (3,), (4,)), ((4,), (3,), (4,))),
           ref=lambda c, a, b: c + 1.5 * np.outer(a, b)),
    OpInfo("baddbmm", lambda T, c, a, b: T.baddbmm(c, a, b, beta=-1, alpha=2),
           _triples(((2, 3, 5), (2, 3, 4), (2, 4, 5)), ((5,), (2, 3, 4), (2, 4, 5))),
           ref=lambda c, a, b: -c + 2 * (a @ b)),
    OpInfo("addbmm", lambda T, c, a, b: T.addbmm(c, a, b),
           _triples(((3, 5), (2, 3, 4), (2, 4, 5))), ref=lambda c, a, b: c + (a @ b).sum(0)),
    OpInfo("linalg.cross", lambda T, a, b: T.linalg.cross(a, b),
           _pairs(((4, 3), (4, 3)), ((2, 3), (1, 3))), ref=lambda a, b: np.cross(a, b)),
    OpInfo("cross.dim", lambda T, a, b: T.cross(a, b, dim=0), _pairs(((3, 2), (3, 2))),
           ref=lambda a, b: np.cross(a, b, axis=0)),
    OpInfo("linalg.multi_dot", lambda T, a, b, c: T.linalg.multi_dot([a, b, c]),
           _triples(((2, 3), (3, 4), (4, 2)), ((3,), (3, 4), (4,))),
           ref=lambda a, b, c: np.linalg.multi_dot([a, b, c])),
    OpInfo("linalg.vecdot", lambda T, a, b: T.linalg.vecdot(a, b), _pairs(((2, 3), (3,))),
           ref=lambda a, b: (a * b).sum(-1)),
    # ---- einsum: explicit/implicit output, '...', repeated letters, broadcasting, 3 operands
    OpInfo("einsum.matmul", lambda T, a, b: T.einsum("ij,jk->ik", a, b),
           _pairs(((3, 4), (4, 2))), ref=lambda a, b: a @ b),
    OpInfo("einsum.implicit", lambda T, a, b: T.einsum("bA,Ac", a, b),
           _pairs(((3, 4), (4, 2))), ref=lambda a, b: a @ b),
    OpInfo("einsum.batch", lambda T, a, b: T.einsum("bij,bkj->bik", a, b),
           _pairs(((2, 3, 4), (2, 5, 4))), ref=lambda a, b: np.einsum("bij,bkj->bik", a, b)),
    OpInfo("einsum.ellipsis", lambda T, a, b: T.einsum("...ij,...jk->...ik", a, b),
           _pairs(((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (4, 2))),
           ref=lambda a, b: a @ b),
    OpInfo("einsum.ellipsis_sum", lambda T, a: T.einsum("i...j->j", a), _one((2, 3, 4)),
           ref=lambda a: a.sum((0, 1))),
    OpInfo("einsum.diag", lambda T, a: T.einsum("ii->i", a), _one((3, 3)),
           ref=lambda a: np.einsum("ii->i", a)),
    OpInfo("einsum.trace", lambda T, a: T.einsum("bii", a), _one((2, 3, 3)),
           ref=lambda a: np.einsum("bii->b", a)),
    OpInfo("einsum.outer_sum", lambda T, a, b: T.einsum("ij,k->jk", a, b),
           _pairs(((2, 3), (4,))), ref=lambda a, b: np.einsum("ij,k->jk", a, b)),
    OpInfo("einsum.transpose", lambda T, a: T.einsum("abc->cab", a), _one((2, 3, 4)),
           ref=lambda a: np.einsum("abc->cab", a)),
    OpInfo("einsum.broadcast1", lambda T, a, b: T.einsum("ij,jk->ik", a, b),
           _pairs(((3, 1), (4, 2))), ref=lambda a, b: np.einsum("ij,jk->ik", a, b)),
    OpInfo("einsum.bilinear", lambda T, a, b, c: T.einsum("bi,oij,bj->bo", a, b, c),
           _triples(((2, 3), (4, 3, 5), (2, 5))),
           ref=lambda a, b, c: np.einsum("bi,oij,bj->bo", a, b, c)),
    OpInfo("einsum.chain", lambda T, a, b, c: T.einsum("ij,jk,kl->il", a, b, c),
           _triples(((2, 3), (3, 4), (4, 5))), ref=lambda a, b, c: a @ b @ c),
    OpInfo("einsum.dotlike", lambda T, a, b: T.einsum("bi,bi->b", a, b),
           _pairs(((3, 4), (3, 4))), ref=lambda a, b: (a * b).sum(1)),
    OpInfo("tensordot", lambda T, a, b: T.tensordot(a, b, dims=2),
           _pairs(((2, 3, 4), (3, 4, 5))), ref=lambda a, b: np.tensordot(a, b, 2)),
    OpInfo("tensordot.lists", lambda T, a, b: T.tensordot(a, b, dims=([0, 2], [2, 0])),
           _pairs(((2, 3, 4), (4, 5, 2))), ref=lambda a, b: np.tensordot(a, b, ([0, 2], [2, 0]))),
    OpInfo("kron", lambda T, a, b: T.kron(a, b), _pairs(((2, 3), (3, 2)), ((2,), (2, 3))),
           ref=np.kron),
    # ---- diagonals and triangles
    OpInfo("trace", lambda T, a: T.trace(a), _one((3, 3), (2, 4)), ref=np.trace),
    OpInfo("diag.vector", lambda T, a: T.diag(a, 1), _one((3,)), ref=lambda a: np.diag(a, 1)),
    OpInfo("diag.matrix", lambda T, a: T.diag(a, -1), _one((3, 4)),
           ref=lambda a: np.diag(a, -1)),
    OpInfo("diagonal", lambda T, a: T.diagonal(a, 1, 0, 2), _one((3, 2, 4)),
           ref=lambda a: np.diagonal(a, 1, 0, 2)),
    OpInfo("diagonal.method", lambda T, a: a.diagonal(dim1=-2, dim2=-1) * 2, _one((2, 3, 3)),
           ref=lambda a: np.diagonal(a, 0, -2, -1) * 2),
    OpInfo("diag_embed", lambda T, a: T.diag_embed(a, -1, 0, 2), _one((2, 3)),
           ref=None),
    OpInfo("diag_embed.default", lambda T, a: T.diag_embed(a), _one((2, 3), (4,)), ref=None),
    OpInfo("tril", lambda T, a: T.tril(a), _one((3, 4), (2, 3, 3)), ref=np.tril),
    OpInfo("tril.k", lambda T, a: T.tril(a, -1), _one((4, 3)), ref=lambda a: np.tril(a, -1)),
    OpInfo("triu", lambda T, a: T.triu(a, 1), _one((3, 4), (2, 3, 3)),
           ref=lambda a: np.triu(a, 1)),
]
