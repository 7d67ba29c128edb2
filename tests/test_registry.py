"""Every primitive carries all its rules: a differentiable primitive has a VJP and a JVP, and
every primitive has a batching rule (vmap never falls back to a Python loop)."""
import ember  # noqa: F401  (registers every primitive)
from ember.ops._primitive import REGISTRY

# Primitives that exist only as graph nodes (never called forward) need no forward rules.
NODE_ONLY = {"copy_slices"}


def test_every_differentiable_primitive_has_vjp_and_jvp():
    missing = [n for n, p in REGISTRY.items()
               if n not in NODE_ONLY and p.differentiable and (p.vjp is None or p.jvp is None)]
    assert not missing, f"primitives without a VJP or JVP rule: {missing}"


def test_every_primitive_has_a_batching_rule():
    missing = [n for n, p in REGISTRY.items() if n not in NODE_ONLY and p.batch is None]
    assert not missing, f"primitives without a batching rule: {missing}"


# PyTorch's node names that do not follow the <Op>Backward<N> pattern
SPECIAL_NAMES = {"CopyBackwards", "torch::autograd::CopySlices", "BackwardHookFunctionBackward",
                 "torch::autograd::NotImplemented"}


def test_node_names_look_like_pytorch():
    bad = [p.node_name for p in REGISTRY.values()
           if not (p.node_name[-1].isdigit() and "Backward" in p.node_name or
                   p.node_name in SPECIAL_NAMES)]
    assert not bad, bad
