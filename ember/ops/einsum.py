"""einsum (string equations with '...' and implicit output), tensordot and kron.

The public function normalises the equation once (ellipsis expanded to fresh letters, implicit
output made explicit), so the primitive sees a ``spec`` of plain letters:
``((term, ...), output)``.  Two-operand contractions run as one (batched) matmul so BLAS does
the work (NumPy's own einsum loop does not use it); longer chains follow NumPy's greedy path.
Plans are cached per (spec, shapes).  Gradients are einsums again, and vmap prefixes a letter.
"""
import string

import numpy as np

from .._tensor import Tensor
from ._primitive import Primitive
from ._util import npdtype

__all__ = ["einsum", "tensordot", "kron"]

_LETTERS = string.ascii_uppercase + string.ascii_lowercase    # ASCII order (implicit output)
_PLANS = {}      # (spec, shapes) -> contraction plan
_SPECS = {}      # (equation, shapes) -> normalised spec
_SMALL = 4096    # multiply-adds below which NumPy's own einsum loop beats BLAS + reshapes


# ------------------------------------------------------------------ parsing

def _err(msg):
    raise RuntimeError(f"einsum(): {msg}")


def _split_terms(eq):
    """Terms of the left side as (char, index in the equation) lists (for messages)."""
    terms, cur = [], []
    for k, c in enumerate(eq):
        if c == "-" and eq[k:k + 2] == "->":
            break
        if c == ",":
            terms.append(cur)
            cur = []
        elif c != " ":
            cur.append((c, k))
    terms.append(cur)
    return terms


def _term_letters(chars, op_index, where):
    """Letters of one term and whether (and where) it has an ellipsis."""
    letters, ell, dots = [], None, 0
    for c, k in chars:
        if c == ".":
            dots += 1
            if ell is not None and dots == 1:
                _err(f"found '.' for {where} {op_index} for which an ellipsis was already found")
            if dots == 3:
                ell, dots = len(letters), 0
            continue
        if dots:
            _err(f"found '.' for {where} {op_index} that is not part of any ellipsis")
        if c not in _LETTERS:
            _err(f"invalid subscript given at index {k} in the equation string, subscripts must "
                 f"be in [a-zA-Z]")
        letters.append(c)
    if dots:
        _err(f"found '.' for {where} {op_index} that is not part of any ellipsis")
    return letters, ell


def _parse(equation, shapes):
    """Normalise an equation against the operands' shapes into ``(terms, out)``."""
    eq = equation
    lhs_terms = _split_terms(eq)
    n = len(shapes)
    if len(lhs_terms) > n:
        _err("fewer operands were provided than specified in the equation")
    if len(lhs_terms) < n:
        _err("more operands were provided than specified in the equation")
    parsed = [_term_letters(t, i, "operand") for i, t in enumerate(lhs_terms)]
    used = set(c for letters, _ in parsed for c in letters)
    ell_nd = []
    for i, ((letters, ell), shape) in enumerate(zip(parsed, shapes)):
        nl, nd = len(letters), len(shape)
        if ell is None and nl != nd:
            _err(f"the number of subscripts in the equation ({nl}) does not match the number of "
                 f"dimensions ({nd}) for operand {i} and no ellipsis was given")
        if ell is not None and nl > nd:
            _err(f"the number of subscripts in the equation ({nl}) is more than the number of "
                 f"dimensions ({nd}) for operand {i}")
        ell_nd.append(nd - nl if ell is not None else 0)
    E = max(ell_nd, default=0)
    fresh = [c for c in _LETTERS if c not in used][:E]
    if len(fresh) < E:
        _err("too many dimensions for the available subscripts")
    terms = []
    for (letters, ell), e in zip(parsed, ell_nd):
        if ell is not None:
            letters = letters[:ell] + fresh[E - e:] + letters[ell:]
        terms.append("".join(letters))
    _check_sizes(terms, shapes, fresh)
    if "->" in eq:
        rhs = [(c, k) for k, c in enumerate(eq) if k > eq.index("->") + 1 and c != " "]
        letters, ell = _term_letters(rhs, 0, "output")
        for c in letters:
            if c not in used:
                _err(f"output subscript {c} does not appear in the equation for any input "
                     f"operand")
        if len(set(letters)) != len(letters):
            c = next(c for c in letters if letters.count(c) > 1)
            _err(f"output subscript {c} appears more than once in the output")
        if ell is not None:
            letters = letters[:ell] + fresh + letters[ell:]
        out = "".join(letters)
    else:
        allc = "".join(terms)
        out = "".join(fresh) + "".join(sorted(c for c in used if allc.count(c) == 1))
    return tuple(terms), out


def _check_sizes(terms, shapes, fresh):
    seen = {}
    for i, (t, s) in enumerate(zip(terms, shapes)):
        own = {}
        for c, d in zip(t, s):
            if c in own and own[c] != d:
                _err(f"subscript {c} is repeated for operand {i} but the sizes don't match, "
                     f"{d} != {own[c]}")
            own[c] = d
        for k, (c, d) in enumerate(zip(t, s)):
            prev = seen.get(c, 1)
            if d != 1 and prev != 1 and d != prev:
                if c in fresh:
                    j = k - next(m for m, x in enumerate(t) if x in fresh)
                    _err(f"dimension {j} covered by ellipsis in operand {i}has size {d} which "
                         f"does not broadcast with previously seen ellipsis with size {prev} for "
                         f"the respective dimension")
                _err(f"subscript {c} has size {d} for operand {i} which does not broadcast with "
                     f"previously seen size {prev}")
            if d != 1:
                seen[c] = d


# ------------------------------------------------------------------ execution plans

def _sizes_of(terms, shapes):
    size = {}
    for t, s in zip(terms, shapes):
        for c, d in zip(t, s):
            if d != 1 or c not in size:
                size[c] = d
    return size


def _prod(xs):
    n = 1
    for x in xs:
        n *= x
    return n


def _reduce_step(term, keep):
    """Take repeated-letter diagonals and sum letters no one else needs (one unary einsum)."""
    new = "".join(c for i, c in enumerate(term) if c in keep and c not in term[:i])
    if new == term:
        return None, term
    return f"{term}->{new}", new


def _pair_plan(ta, sa, tb, sb, keep, size, order=None):
    """Contract two operands; returns (fn(a, b), result term, result shape)."""
    batch = [c for c in ta if c in tb and c in keep]
    contr = [c for c in ta if c in tb and c not in keep]
    left = [c for c in ta if c not in tb]
    right = [c for c in tb if c not in ta]
    res = "".join(batch + left + right)
    order = res if order is None else order
    rshape = tuple(size[c] for c in order)
    nl, nr = _prod(size[c] for c in left), _prod(size[c] for c in right)
    nb, nk = _prod(size[c] for c in batch), _prod(size[c] for c in contr)
    if nk == 1 or (nl == 1 and nr == 1) or nb * nl * nk * nr <= _SMALL:
        # no GEMM inside (elementwise, outer, batched dots) or too small to pay for reshapes
        eq = f"{ta},{tb}->{order}"
        return (lambda a, b: np.einsum(eq, a, b)), order, rshape
    pa = [ta.index(c) for c in batch + left + contr]
    pb = [tb.index(c) for c in batch + contr + right]
    full_a = tuple(size[c] for c in batch + left + contr)
    full_b = tuple(size[c] for c in batch + contr + right)
    bcast_a = tuple(sa[i] for i in pa) != full_a
    bcast_b = tuple(sb[i] for i in pb) != full_b
    a3, b3 = ((nb, nl, nk), (nb, nk, nr)) if nb != 1 else ((nl, nk), (nk, nr))
    mid = tuple(size[c] for c in res)
    perm = tuple(res.index(c) for c in order) if order != res else None

    def run(a, b):
        a = a.transpose(pa)
        b = b.transpose(pb)
        if bcast_a:
            a = np.broadcast_to(a, full_a)
        if bcast_b:
            b = np.broadcast_to(b, full_b)
        r = np.matmul(a.reshape(a3), b.reshape(b3)).reshape(mid)
        return r if perm is None else r.transpose(perm)
    return run, order, rshape


def _make_plan(spec, shapes):
    terms, out = spec
    size = _sizes_of(terms, shapes)
    if len(terms) == 1:
        eq = f"{terms[0]}->{out}"

        def single(arrays):
            x = arrays[0]
            r = np.einsum(eq, x)
            return r.copy() if np.may_share_memory(r, x) else r
        return single
    n = len(terms)
    if n == 2:
        path = [(0, 1)]
    else:
        dummies = [np.broadcast_to(np.empty((), np.float64), tuple(size[c] for c in t))
                   for t in terms]
        path = np.einsum_path(",".join(terms) + "->" + out, *dummies, optimize="greedy")[0][1:]
    steps = []
    cur = [(t, tuple(s)) for t, s in zip(terms, shapes)]
    slots = list(range(n))          # positions in the working list of arrays
    work_n = n
    for k, (i, j) in enumerate(path):
        i, j = sorted((i, j))
        (ta, sa), (tb, sb) = cur[i], cur[j]
        rest = [t for m, (t, _) in enumerate(cur) if m not in (i, j)]
        keep = set(out).union(*rest) if rest else set(out)
        ra, ta = _reduce_step(ta, keep | set(tb))
        rb, tb = _reduce_step(tb, keep | set(ta))
        if ra:
            sa = _shape_after(cur[i], ta)
        if rb:
            sb = _shape_after(cur[j], tb)
        last = k == len(path) - 1
        fn, tr, sr = _pair_plan(ta, sa, tb, sb, keep, size, out if last else None)
        steps.append((slots[i], slots[j], ra, rb, fn))
        for idx in (j, i):
            del cur[idx]
            del slots[idx]
        cur.append((tr, sr))
        slots.append(work_n)
        work_n += 1

    if n == 2:
        _, _, ra, rb, fn = steps[0]
        if ra is None and rb is None:
            return lambda arrays: fn(arrays[0], arrays[1])

    def multi(arrays):
        work = list(arrays)
        for i, j, ra, rb, fn in steps:
            a, b = work[i], work[j]
            if ra:
                a = np.einsum(ra, a)
            if rb:
                b = np.einsum(rb, b)
            work[i] = work[j] = None
            work.append(fn(a, b))
        return work[-1]
    return multi


def _shape_after(entry, new_term):
    t, s = entry
    return tuple(s[t.index(c)] for c in new_term)


def contract(spec, arrays):
    """Evaluate a normalised einsum spec on arrays (plans cached per spec and shapes)."""
    key = (spec, tuple(a.shape for a in arrays))
    plan = _PLANS.get(key)
    if plan is None:
        if len(_PLANS) > 2048:
            _PLANS.clear()
        plan = _PLANS[key] = _make_plan(spec, key[1])
    return plan(arrays)


# ------------------------------------------------------------------ the primitive

def _einsum_vjp(k):
    """Gradient for operand k: an einsum of the output gradient with the other operands."""
    def rule(g, out, *ops, spec):
        from .creation import eye
        from .shape import reshape, expand
        from .reduction import sum_to_size
        terms, outl = spec
        tk = terms[k]
        x = ops[k]
        used = set("".join(terms)) | set(outl)
        spare = iter(c for c in _LETTERS if c not in used)
        new, extra_terms, extra_ops = [], [], []
        for i, c in enumerate(tk):
            if c in tk[:i]:          # repeated letter: a diagonal, so the gradient is embedded
                f = next(spare)
                extra_terms.append(c + f)
                extra_ops.append(eye(x.shape[i], dtype=x.dtype))
                c = f
            new.append(c)
        others = [(terms[i], ops[i]) for i in range(len(ops)) if i != k]
        avail = set(outl).union(*(t for t, _ in others), *extra_terms)
        present = "".join(c for c in new if c in avail)
        spec2 = ((outl,) + tuple(t for t, _ in others) + tuple(extra_terms), present)
        r = _einsum(g, *(o for _, o in others), *extra_ops, spec=spec2)
        xs = tuple(x.shape)
        kept = tuple(d for c, d in zip(new, xs) if c in avail)
        rs = tuple(r.shape)
        if rs != kept:          # size-1 broadcasting: sum where x had 1, expand where others had
            red = tuple(1 if k == 1 else d for d, k in zip(rs, kept))
            if red != rs:
                r = sum_to_size(r, red)
            if red != kept:
                r = expand(r, kept)
        if len(present) != len(new):        # letters only in this operand: broadcast back
            r = expand(reshape(r, tuple(d if c in avail else 1 for c, d in zip(new, xs))), xs)
        return r
    return rule


def _einsum_jvp(k):
    def rule(t, out, *ops, spec):
        ops = list(ops)
        ops[k] = t
        return _einsum(*ops, spec=spec)
    return rule


def _einsum_batch(prim, args, batched, spec):
    terms, out = spec
    used = set("".join(terms)) | set(out)
    z = next(c for c in _LETTERS if c not in used)
    terms = tuple(z + t if b else t for t, b in zip(terms, batched))
    return prim(*args, spec=(terms, z + out))


_MAX_OPS = 64
_einsum = Primitive("einsum", lambda *arrays, spec: contract(spec, arrays),
                    vjp=tuple(_einsum_vjp(k) for k in range(_MAX_OPS)),
                    jvp=tuple(_einsum_jvp(k) for k in range(_MAX_OPS)),
                    batch=_einsum_batch)


def einsum(equation, *operands):
    """Einstein summation, e.g. ``einsum('bij,bjk->bik', a, b)``; '...' broadcasts."""
    if not isinstance(equation, str):
        return _sublist_form(equation, *operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum(): must specify the equation string and at least one operand, "
                         "or at least one operand and its subscripts list")
    for i, o in enumerate(operands):
        if not isinstance(o, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got "
                            f"{type(o).__name__}")
    d0 = npdtype(operands[0])
    for o in operands[1:]:
        if npdtype(o) != d0:
            raise RuntimeError(f"expected scalar type {_dt_name(operands[0])} but found "
                               f"{_dt_name(o)}")
    shapes = tuple(tuple(o.shape) for o in operands)
    key = (equation, shapes)
    spec = _SPECS.get(key)
    if spec is None:
        if len(_SPECS) > 2048:
            _SPECS.clear()
        spec = _SPECS[key] = _parse(equation, shapes)
    return _einsum(*operands, spec=spec)


def _dt_name(t):
    """PyTorch's C++ scalar type name (``Float``, ``Double``...) used in its messages."""
    return _TORCH_NAMES.get(npdtype(t).name, npdtype(t).name)


_TORCH_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _sublist_form(*args):
    """``einsum(op0, [0, 1], op1, [1, 2], [0, 2])``: subscripts given as lists of ints."""
    def sub(lst):
        return "".join("..." if s is Ellipsis else _LETTERS[26 + s] if s < 26 else _LETTERS[s - 26]
                       for s in lst)
    ops, terms = list(args[0::2]), [sub(s) for s in args[1::2]]
    if len(args) % 2:
        ops = ops[:-1] if len(ops) > len(terms) else ops
        return einsum(",".join(terms[:len(ops)]) + "->" + sub(args[-1]), *ops)
    return einsum(",".join(terms), *ops)


# ------------------------------------------------------------------ tensordot, kron

def tensordot(a, b, dims=2, out=None):
    """Contract ``dims`` (an int: last/first dims, or two lists of dims) of ``a`` and ``b``."""
    na, nb = a.ndim, b.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(na, nb):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
        if len(da) != len(db):
            raise RuntimeError("both dimension lists should have same length")
        da = [d % na if na else d for d in da]
        db = [d % nb if nb else d for d in db]
    la = list(_LETTERS[:na])
    lb = list(_LETTERS[na:na + nb])
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[x]} in dim {x} and second has size {b.shape[y]} in "
                               f"dim {y}")
        lb[y] = la[x]
    out_l = [c for i, c in enumerate(la) if i not in da] + \
            [c for i, c in enumerate(lb) if i not in db]
    if npdtype(a) != npdtype(b):
        raise RuntimeError("both inputs should have same dtype")
    return _einsum(a, b, spec=(("".join(la), "".join(lb)), "".join(out_l)))


def kron(input, other, *, out=None):
    """Kronecker product: block (i, j) of the result is ``input[i, j] * other``."""
    from .shape import reshape
    from .elementwise import mul
    na, nb = input.ndim, other.ndim
    n = max(na, nb)
    sa = (1,) * (n - na) + tuple(input.shape)
    sb = (1,) * (n - nb) + tuple(other.shape)
    a = reshape(input, tuple(x for d in sa for x in (d, 1)))
    b = reshape(other, tuple(x for d in sb for x in (1, d)))
    return reshape(mul(a, b), tuple(x * y for x, y in zip(sa, sb)))


METHODS = {"kron": kron}
