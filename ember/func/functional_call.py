"""Functional models: call a Module with given parameters (``functional_call``), stack the
states of several models for ensembling (``stack_module_state``), and make BatchNorm usable
under vmap (``replace_all_batch_norm_modules_``)."""
import contextlib

__all__ = ["functional_call", "stack_module_state", "replace_all_batch_norm_modules_"]


def _locate(module, name):
    *path, leaf = name.split(".")
    owner = module
    for p in path:
        owner = owner._modules.get(p) if hasattr(owner, "_modules") else None
        if owner is None:
            return None, leaf
    return owner, leaf


def _tied_groups(module):
    """Names that refer to the same parameter or buffer object (tied weights)."""
    groups = {}
    for name, t in _named_tensors(module, remove_duplicate=False):
        groups.setdefault(id(t), []).append(name)
    return {n: g for g in groups.values() if len(g) > 1 for n in g}


def _named_tensors(module, remove_duplicate=True):
    yield from module.named_parameters(remove_duplicate=remove_duplicate)
    yield from module.named_buffers(remove_duplicate=remove_duplicate)


@contextlib.contextmanager
def _swapped(module, values):
    saved = []
    try:
        for name, value in values.items():
            owner, leaf = _locate(module, name)
            if owner is None:
                raise AttributeError(f"functional_call: {type(module).__name__} has no "
                                     f"submodule for '{name}'")
            table = owner._parameters if leaf in owner._parameters else (
                owner._buffers if leaf in owner._buffers else None)
            if table is None:
                saved.append((owner.__dict__, leaf, owner.__dict__.get(leaf, _MISSING)))
                owner.__dict__[leaf] = value
            else:
                saved.append((table, leaf, table[leaf]))
                table[leaf] = value
        yield
    finally:
        for table, leaf, old in reversed(saved):
            if old is _MISSING:
                table.pop(leaf, None)
            else:
                table[leaf] = old


_MISSING = object()


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """``module(*args, **kwargs)`` with its parameters/buffers replaced by the given tensors
    (which may be transformed tensors: this is how ``grad``/``vmap`` see a model's weights)."""
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, dict):
        values = dict(dicts)
    else:
        values = {}
        for d in dicts:
            dup = set(values) & set(d)
            if dup:
                raise ValueError(f"functional_call got multiple values for keys {sorted(dup)}, "
                                 f"which is ambiguous")
            values.update(d)
    if tie_weights:
        tied = _tied_groups(module)
        for name in list(values):
            for other in tied.get(name, ()):
                if other not in values:
                    values[other] = values[name]
                elif values[other] is not values[name]:
                    raise ValueError(f"functional_call got values for both {name} and {other}, "
                                     f"which are tied. Consider using tie_weights=False")
    if strict:
        expected = {n for n, _ in _named_tensors(module, remove_duplicate=False)}
        missing = sorted(expected - set(values))
        unexpected = sorted(set(values) - expected)
        if missing or unexpected:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n"
                               f"\tMissing key(s): {missing}.\n\tUnexpected key(s): "
                               f"{unexpected}.")
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _swapped(module, values):
        return module(*args, **(kwargs or {}))


def stack_module_state(models):
    """``(params, buffers)``: each model's tensors stacked along a new dim 0, as fresh leaves
    (parameters keep requiring grad) that an optimizer can step."""
    from ..ops.join import stack
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or not any(m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/"
                           "eval mode.")
    t0 = type(models[0])
    if not all(type(m) is t0 for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def gather(getter, keep_grad):
        names = [n for n, _ in getter(models[0])]
        out = {}
        for n in names:
            tensors = [dict(getter(m))[n] for m in models]
            s = stack([t.detach() for t in tensors])
            if keep_grad and tensors[0].requires_grad:
                s.requires_grad_(True)
            out[n] = s
        return out
    params = gather(lambda m: m.named_parameters(), True)
    buffers = gather(lambda m: m.named_buffers(), False)
    return params, buffers


def replace_all_batch_norm_modules_(root):
    """Make every BatchNorm in ``root`` use batch statistics only (no running stats), so the
    model can be vmapped; returns ``root``."""
    from ..nn.modules import normalization as bn
    for m in root.modules():
        if isinstance(m, bn._BatchNorm):
            m.running_mean = None
            m.running_var = None
            m.num_batches_tracked = None
            m.track_running_stats = False
    return root
