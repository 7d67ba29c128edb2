"""nn.Module and containers: registration, traversal, state_dict, repr, hooks, deepcopy,
train/eval, conversion; PyTorch is the oracle for names, keys, reprs and messages."""
import copy
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import ember
import ember.nn as nn

torch = pytest.importorskip("torch")


def E(t):
    return ember.tensor(t.detach().numpy())


def load_from_torch(em, tm):
    return em.load_state_dict(OrderedDict((k, E(v)) for k, v in tm.state_dict().items()))


def _arch(lib):
    n = lib.nn
    return n.Sequential(OrderedDict([
        ("conv", n.Conv2d(3, 4, 3, padding=1)),
        ("bn", n.BatchNorm2d(4)),
        ("act", n.ReLU()),
        ("pool", n.MaxPool2d(2)),
        ("flat", n.Flatten()),
        ("blocks", n.Sequential(n.Linear(16, 16), n.Linear(16, 16), n.Dropout(0.2))),
        ("head", n.Linear(16, 5)),
    ]))


def _err(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.register_buffer("steps", ember.zeros(1))
        self.register_buffer("cache", ember.ones(2), persistent=False)
        self.scale = nn.Parameter(ember.ones(1))

    def forward(self, x):
        return self.fc(x) * self.scale


# ------------------------------------------------------------------ registration

def test_attribute_registration_and_lookup():
    m = Net()
    assert list(m._parameters) == ["scale"] and list(m._modules) == ["fc"]
    assert list(m._buffers) == ["steps", "cache"]
    assert m.fc.weight is m._modules["fc"]._parameters["weight"]
    assert [n for n, _ in m.named_parameters()] == ["scale", "fc.weight", "fc.bias"]
    assert [n for n, _ in m.named_parameters(recurse=False)] == ["scale"]
    assert [n for n, _ in m.named_buffers()] == ["steps", "cache"]
    assert [n for n, _ in m.named_modules()] == ["", "fc"]
    assert [n for n, _ in m.named_modules(prefix="model")] == ["model", "model.fc"]
    assert list(m.children()) == [m.fc]
    # reassigning a plain value over a parameter name is refused like PyTorch
    t, msg = _err(lambda: setattr(m, "scale", ember.ones(1)))
    assert t is TypeError and msg == ("cannot assign 'torch.FloatTensor' as parameter 'scale' "
                                      "(torch.nn.Parameter or None expected)")
    t, msg = _err(lambda: setattr(m, "fc", 3))
    assert t is TypeError and msg == ("cannot assign 'int' as child module 'fc' "
                                      "(torch.nn.Module or None expected)")
    m.steps = ember.full((1,), 2.0)          # buffers accept tensors
    assert m.state_dict()["steps"].item() == 2.0
    m.fc = None
    assert m.fc is None and [n for n, _ in m.named_modules()] == [""]
    del m.scale
    assert "scale" not in m._parameters
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'scale'"):
        m.scale
    m.plain = 5
    assert m.plain == 5 and "plain" in m.__dict__


def test_registration_errors_match_torch():
    for lib in (torch, ember):
        m = lib.nn.Module()
        p = lib.nn.Parameter(lib.ones(2))
        m.x = 1
        cases = [lambda: m.register_parameter("a.b", p), lambda: m.register_parameter("", p),
                 lambda: m.register_parameter(3, p), lambda: m.register_parameter("x", p),
                 lambda: m.register_parameter("q", lib.ones(2)),
                 lambda: m.register_buffer("a.b", lib.ones(2)),
                 lambda: m.register_buffer("b", 3), lambda: m.add_module("m", 3),
                 lambda: m.add_module("a.b", lib.nn.ReLU()),
                 lambda: m.register_parameter("c", lib.nn.Parameter(lib.ones(2)) * 2)]
        res = [_err(c) for c in cases]
        if lib is torch:
            expected = res
        else:
            assert res[:-1] == expected[:-1]
            assert res[-1][0] is TypeError      # a non-leaf product is not a Parameter


def test_get_submodule_get_parameter_and_dir():
    m = _arch(ember)
    assert m.get_submodule("blocks.1") is m.blocks[1]
    assert m.get_parameter("blocks.0.bias") is m.blocks[0].bias
    tm = _arch(torch)
    for target in ("blocks.7", "nope", "head.weight.x"):
        assert _err(lambda: m.get_submodule(target)) == _err(lambda: tm.get_submodule(target))
    assert _err(lambda: m.get_parameter("bn.running_mean")) == \
        _err(lambda: tm.get_parameter("bn.running_mean"))
    d = dir(m.head)
    assert "weight" in d and "bias" in d and "forward" in d
    assert not any(k[0].isdigit() for k in dir(m.blocks))


def test_parameters_dedup_shared_weights():
    a = nn.Linear(2, 2)
    m = nn.Sequential(a, a)
    assert len(list(m.parameters())) == 2
    assert len(list(m.named_parameters(remove_duplicate=False))) == 4
    assert [n for n, _ in m.named_modules()] == ["", "0"]
    assert len(list(m.named_modules(remove_duplicate=False))) == 3


def test_apply_train_eval_requires_grad_zero_grad():
    m = _arch(ember)
    seen = []
    assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
    assert seen[-1] == "Sequential" and seen[0] == "Conv2d"
    assert m.eval() is m and not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        m.train(1)
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    m.requires_grad_()
    out = m(ember.randn(2, 3, 4, 4)).sum()
    out.backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


# ------------------------------------------------------------------ state dict

def test_state_dict_keys_and_round_trip_with_torch():
    tm, em = _arch(torch), _arch(ember)
    assert list(em.state_dict()) == list(tm.state_dict())
    assert em.state_dict()._metadata["bn"] == {"version": 2}
    assert dict(em.state_dict()._metadata) == dict(tm.state_dict()._metadata)
    res = load_from_torch(em, tm)
    assert repr(res) == "<All keys matched successfully>" and res == ([], [])
    for (k, a), b in zip(em.state_dict().items(), tm.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
        assert str(a.dtype) == str(b.dtype), k
    assert not em.state_dict()["head.weight"].requires_grad
    assert em.state_dict(keep_vars=True)["head.weight"] is em.head.weight
    tm.eval(), em.eval()
    x = torch.randn(2, 3, 4, 4)
    np.testing.assert_allclose(em(E(x)).detach().numpy(), tm(x).detach().numpy(), atol=1e-5)


def test_load_state_dict_strict_errors_match_torch():
    tm, em = _arch(torch), _arch(ember)
    sd_t = tm.state_dict()
    del sd_t["head.bias"]
    sd_t["extra.weight"] = torch.ones(1)
    sd_t["blocks.0.weight"] = torch.ones(3, 3)
    sd_e = OrderedDict((k, E(v)) for k, v in sd_t.items())
    assert _err(lambda: em.load_state_dict(sd_e)) == _err(lambda: tm.load_state_dict(sd_t))
    del sd_t["blocks.0.weight"], sd_e["blocks.0.weight"]
    rt, re_ = tm.load_state_dict(sd_t, strict=False), em.load_state_dict(sd_e, strict=False)
    assert (re_.missing_keys, re_.unexpected_keys) == (rt.missing_keys, rt.unexpected_keys)
    assert repr(re_) == repr(rt)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        em.load_state_dict([1, 2])


def test_non_persistent_buffers_and_batchnorm_legacy_checkpoint():
    m = Net()
    assert "cache" not in m.state_dict() and "steps" in m.state_dict()
    bn = nn.BatchNorm1d(3)
    sd = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    assert bn.load_state_dict(sd) == ([], [])      # no _metadata: version 1 checkpoint
    assert bn.num_batches_tracked.item() == 0


def test_load_state_dict_assign_and_dtype_cast():
    m = nn.Linear(2, 2)
    w = ember.ones(2, 2, dtype=ember.float64)
    m.load_state_dict({"weight": w, "bias": ember.zeros(2)})
    assert m.weight.dtype == ember.float32 and float(m.weight.sum()) == 4
    m.load_state_dict({"weight": w, "bias": ember.zeros(2)}, assign=True)
    assert isinstance(m.weight, nn.Parameter) and m.weight.dtype == ember.float64
    assert m.weight.requires_grad


# ------------------------------------------------------------------ repr

@pytest.mark.parametrize("build", [
    _arch,
    lambda T: T.nn.TransformerEncoderLayer(8, 2, 16, norm_first=True, batch_first=True),
    lambda T: T.nn.MultiheadAttention(8, 2, kdim=4, vdim=6, add_bias_kv=True),
    lambda T: T.nn.ModuleDict({"a": T.nn.ReLU(), "b": T.nn.Sequential(T.nn.Tanh())}),
    lambda T: T.nn.ModuleList([T.nn.Linear(2, 2)] * 3 + [T.nn.GELU("tanh")] * 2),
    lambda T: T.nn.ParameterList([T.nn.Parameter(T.ones(2)), T.ones(2, 3, dtype=T.float64)]),
    lambda T: T.nn.ParameterDict({"w": T.nn.Parameter(T.ones(2)), "u": T.ones(1, 2)}),
    lambda T: T.nn.Sequential(T.nn.Conv1d(2, 4, 3, groups=2, bias=False, padding_mode="circular"),
                              T.nn.ConvTranspose2d(2, 3, (2, 3), stride=2, output_padding=1),
                              T.nn.Conv2d(1, 1, 3, padding="same", dilation=2),
                              T.nn.AvgPool1d(3), T.nn.AvgPool2d(2, 1), T.nn.MaxPool1d(2, 1, 1),
                              T.nn.AdaptiveAvgPool2d((None, 3)), T.nn.Unflatten(1, (2, 2)),
                              T.nn.Embedding(5, 2, padding_idx=-1, max_norm=2.0),
                              T.nn.GroupNorm(2, 4, affine=False), T.nn.LayerNorm([2, 3]),
                              T.nn.InstanceNorm2d(3, affine=True), T.nn.Dropout2d(0.1, True),
                              T.nn.BatchNorm1d(3, momentum=None, track_running_stats=False),
                              T.nn.Bilinear(2, 3, 4, bias=False), T.nn.Identity(3, x=1),
                              T.nn.Softmax(dim=-1), T.nn.LeakyReLU(0.1, True),
                              T.nn.Hardtanh(-2.0, 2.0), T.nn.Softplus(2, 10), T.nn.ELU(0.5),
                              T.nn.Threshold(0.1, 2.0), T.nn.CrossEntropyLoss(),
                              T.nn.BCEWithLogitsLoss(pos_weight=T.ones(2)), T.nn.HuberLoss()),
])
def test_repr_matches_torch(build):
    assert repr(build(ember)) == repr(build(torch))


def test_parameter_repr_and_type():
    p = nn.Parameter(ember.tensor([1.0, 2.0]))
    assert isinstance(p, ember.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    q = nn.Parameter(ember.tensor([1.0]), requires_grad=False)
    assert repr(q) == repr(torch.nn.Parameter(torch.tensor([1.0]), requires_grad=False))
    assert nn.Parameter().shape == (0,)
    with pytest.raises(RuntimeError):
        nn.Parameter(ember.tensor([1, 2]))
    base = ember.zeros(2)
    shared = nn.Parameter(base)
    with ember.no_grad():
        shared.add_(1)
    assert base.tolist() == [1.0, 1.0]          # shares storage like PyTorch
    b = nn.Buffer(ember.ones(2), persistent=False)
    m = nn.Module()
    m.buf = b
    assert "buf" in m._buffers and "buf" not in m.state_dict()


# ------------------------------------------------------------------ hooks

def test_forward_hooks_order_kwargs_and_removal():
    m = nn.Linear(2, 2)
    calls = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
    h2 = m.register_forward_pre_hook(lambda mod, args: calls.append("first"), prepend=True)
    h3 = m.register_forward_hook(lambda mod, args, out: out + 1)
    h4 = m.register_forward_hook(lambda mod, args, kwargs, out: calls.append(kwargs),
                                 with_kwargs=True)
    x = ember.ones(1, 2)
    expected = F_linear(x * 2, m) + 1
    np.testing.assert_allclose(m(x).detach().numpy(), expected)
    assert calls == ["first", {}]
    for h in (h1, h2, h3, h4):
        h.remove()
    np.testing.assert_allclose(m(x).detach().numpy(), F_linear(x, m))
    with m.register_forward_pre_hook(lambda mod, a, k: ((a[0] * 0,), k), with_kwargs=True):
        assert float(m(x).abs().sum() - m.bias.abs().sum()) == 0
    assert not m._forward_pre_hooks and not m._forward_pre_hooks_with_kwargs


def F_linear(x, m):
    return (x @ m.weight.T + m.bias).detach().numpy()


def test_forward_hook_always_call_on_error():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")
    m = Boom()
    seen = []
    m.register_forward_hook(lambda mod, a, out: seen.append(out), always_call=True)
    with pytest.raises(ValueError, match="boom"):
        m(ember.ones(1))
    assert seen == [None]


def _backward_hook_run(lib):
    lib.manual_seed(0)
    m = lib.nn.Linear(3, 2)
    with lib.no_grad():
        m.weight.copy_(lib.arange(6.0).reshape(2, 3) / 6)
        m.bias.copy_(lib.tensor([0.5, -0.5]))
    log = []

    def pre(mod, grad_output):
        log.append(("pre", [g.tolist() for g in grad_output]))
        return (grad_output[0] * 2,)

    def post(mod, grad_input, grad_output):
        log.append(("post", [None if g is None else g.tolist() for g in grad_input],
                    [g.tolist() for g in grad_output]))
        return (grad_input[0] + 1,)

    m.register_full_backward_pre_hook(pre)
    h = m.register_full_backward_hook(post)
    x = lib.tensor([[1.0, 2.0, 3.0], [0.0, -1.0, 1.0]], requires_grad=True)
    (m(x) * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    out = [log, x.grad.tolist(), m.weight.grad.tolist()]
    h.remove()
    return out


def test_full_backward_hooks_match_torch():
    got, exp = _backward_hook_run(ember), _backward_hook_run(torch)
    np.testing.assert_allclose(np.array(got[1]), np.array(exp[1]), rtol=1e-6)
    np.testing.assert_allclose(np.array(got[2]), np.array(exp[2]), rtol=1e-6)
    assert [e[0] for e in got[0]] == [e[0] for e in exp[0]]
    for a, b in zip(got[0], exp[0]):
        for x, y in zip(a[1:], b[1:]):
            np.testing.assert_allclose(np.array(x, dtype=float), np.array(y, dtype=float),
                                       rtol=1e-6)


def test_full_backward_hook_without_input_grad():
    m = nn.Linear(2, 1)
    seen = []
    m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, go[0].shape)))
    m(ember.ones(3, 2)).sum().backward()
    assert seen == [((None,), (3, 1))]
    assert m.weight.grad is not None


# ------------------------------------------------------------------ copies, modes, conversion

def test_deepcopy_is_independent():
    m = _arch(ember)
    m.train()
    m(ember.randn(2, 3, 4, 4))
    c = copy.deepcopy(m)
    assert type(c.head.weight) is nn.Parameter and c.head.weight is not m.head.weight
    for (k, a), b in zip(m.state_dict().items(), c.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
    with ember.no_grad():
        c.head.weight.add_(1)
    assert not np.allclose(c.head.weight.detach().numpy(), m.head.weight.detach().numpy())
    assert c.bn.num_batches_tracked.item() == 1


def test_eval_changes_dropout_and_batchnorm_but_not_recording():
    ember.manual_seed(0)
    m = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.Dropout(0.5))
    x = ember.randn(16, 8)
    m.train()
    y1 = m(x)
    assert (y1 == 0).sum().item() > 0 and y1.requires_grad
    assert m[1].num_batches_tracked.item() == 1
    m.eval()
    y2, y3 = m(x), m(x)
    assert y2.requires_grad and y2.grad_fn is not None      # eval() still records
    np.testing.assert_array_equal(y2.detach().numpy(), y3.detach().numpy())
    assert m[1].num_batches_tracked.item() == 1              # no stat update in eval
    expected = (m[0](x) - m[1].running_mean) / ember.sqrt(m[1].running_var + 1e-5)
    expected = expected * m[1].weight + m[1].bias
    np.testing.assert_allclose(y2.detach().numpy(), expected.detach().numpy(), atol=1e-6)
    with ember.no_grad():                                     # no_grad stops recording
        y4 = m(x)
    assert not y4.requires_grad and y4.grad_fn is None
    np.testing.assert_array_equal(y4.numpy(), y2.detach().numpy())


def test_to_double_float_keep_parameters():
    m = _arch(ember)
    w = m.head.weight
    m.double()
    assert m.head.weight is w and w.dtype == ember.float64
    assert m.bn.running_mean.dtype == ember.float64
    assert m.bn.num_batches_tracked.dtype == ember.int64
    m.to(ember.float32)
    assert w.dtype == ember.float32
    assert m.to("cpu") is m
    with pytest.raises(TypeError):
        m.to(ember.int32)
    m(ember.randn(1, 3, 4, 4)).sum().backward()
    m.half()
    assert w.grad.dtype == ember.float16


# ------------------------------------------------------------------ containers

def test_sequential_api():
    layers = [nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 3)]
    s = nn.Sequential(*layers)
    assert len(s) == 3 and list(s) == layers and s[-1] is layers[2]
    assert isinstance(s[1:], nn.Sequential) and list(s[1:]) == layers[1:]
    assert list(s[1:]._modules) == ["1", "2"]
    s.append(nn.Tanh())
    s.insert(0, nn.Identity())
    assert [type(m).__name__ for m in s] == ["Identity", "Linear", "ReLU", "Linear", "Tanh"]
    del s[0]
    assert list(s._modules) == ["0", "1", "2", "3"] and s[0] is layers[0]
    s.extend([nn.Sigmoid()])
    assert len(s) == 5 and type(s[4]).__name__ == "Sigmoid"
    s[4] = nn.Softsign()
    assert type(s[4]).__name__ == "Softsign"
    with pytest.raises(IndexError):
        s[9]
    named = nn.Sequential(OrderedDict([("a", nn.Linear(2, 2)), ("b", nn.ReLU())]))
    assert list(named.state_dict()) == ["a.weight", "a.bias"]
    y = named(ember.ones(4, 2))
    assert y.shape == (4, 2)


def test_module_list_dict_parameter_containers():
    ml = nn.ModuleList([nn.Linear(1, 1)])
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh()])
    ml.insert(1, nn.Identity())
    assert [type(m).__name__ for m in ml] == ["Linear", "Identity", "ReLU", "Tanh"]
    assert len(ml[1:]) == 3 and ml[-1] is ml[3]
    md = nn.ModuleDict({"a": nn.ReLU()})
    md["b"] = nn.Linear(1, 1)
    assert list(md.keys()) == ["a", "b"] and "a" in md and len(md) == 2
    assert list(md.state_dict()) == ["b.weight", "b.bias"]
    md.pop("a")
    assert list(md) == ["b"]
    pl = nn.ParameterList([ember.ones(2)])
    pl.append(nn.Parameter(ember.zeros(1)))
    assert all(isinstance(p, nn.Parameter) for p in pl) and len(pl) == 2
    assert list(dict(pl.named_parameters())) == ["0", "1"]
    pd = nn.ParameterDict({"w": ember.ones(2)})
    pd["v"] = nn.Parameter(ember.zeros(3))
    assert isinstance(pd["w"], nn.Parameter) and list(pd.keys()) == ["w", "v"]
    assert sorted(dict(pd.named_parameters())) == ["v", "w"]
    del pd["w"]
    assert list(pd) == ["v"]


def test_custom_module_forward_missing_and_init_args():
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(1)
    with pytest.raises(TypeError):
        nn.Module(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.Identity(5, foo=2)
