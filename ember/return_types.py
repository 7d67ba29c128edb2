"""``torch.return_types``: the named tuples returned by ``max(dim)``, ``sort``, ``topk``...

They are tuples (indexable, unpackable) with named fields, built from a sequence like
PyTorch's structseqs (``return_types.max((values, indices))``), and print as PyTorch does.
"""
import operator

__all__ = ["structseq", "max", "min", "sort", "topk", "median", "nanmedian", "kthvalue",
           "cummax", "cummin", "aminmax", "mode", "frexp"]


class _StructSeq(tuple):
    __slots__ = ()
    _fields = ()
    n_unnamed_fields = 0

    def __new__(cls, *seq):
        if len(seq) == 1:           # torch style: one sequence argument
            seq = tuple(seq[0])
        if len(seq) != len(cls._fields):
            raise TypeError(f"torch.return_types.{cls.__name__}() takes a {len(cls._fields)}"
                            f"-sequence ({len(seq)}-sequence given)")
        return tuple.__new__(cls, seq)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"torch.return_types.{type(self).__name__}(\n{body})"

    def __reduce__(self):
        return (type(self), (tuple(self),))


def structseq(name, fields):
    """A return type ``name`` with the given field names (also used by ``ember.linalg``)."""
    ns = {f: property(operator.itemgetter(i)) for i, f in enumerate(fields)}
    ns.update(__slots__=(), _fields=tuple(fields), n_fields=len(fields),
              n_sequence_fields=len(fields), __module__=__name__, __qualname__=name)
    return type(name, (_StructSeq,), ns)


max = structseq("max", ("values", "indices"))
min = structseq("min", ("values", "indices"))
sort = structseq("sort", ("values", "indices"))
topk = structseq("topk", ("values", "indices"))
median = structseq("median", ("values", "indices"))
nanmedian = structseq("nanmedian", ("values", "indices"))
kthvalue = structseq("kthvalue", ("values", "indices"))
cummax = structseq("cummax", ("values", "indices"))
cummin = structseq("cummin", ("values", "indices"))
aminmax = structseq("aminmax", ("min", "max"))
mode = structseq("mode", ("values", "indices"))
frexp = structseq("frexp", ("mantissa", "exponent"))
