"""ember.save / ember.load: data-only checkpoints, PyTorch's zip files, and crafted files that
must not run code."""
import collections
import io
import os
import pickle
import zipfile

import numpy as np
import pytest

import ember

DATA = os.path.join(os.path.dirname(__file__), "data")


def test_round_trip_nested_objects(tmp_path):
    w = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    Pt = collections.namedtuple("Pt", "x y")
    obj = {"w": w, "same": w, "i": ember.arange(3), "h": ember.ones(2, dtype=ember.float16),
           "n": 3, "f": float("nan"), "inf": float("-inf"), "s": "hi", "t": (1, [2, None]),
           "d": collections.OrderedDict(a=1), 5: "int key", (1, 2): "tuple key",
           "dt": ember.float64, "pt": Pt(1, 2), "b": b"\x00\x01", "c": 1 + 2j,
           "zero_d": ember.tensor(5), "t_view": ember.arange(6.0).reshape(2, 3).t()}
    p = tmp_path / "ck.pt"
    ember.save(obj, p)
    out = ember.load(p)
    np.testing.assert_array_equal(out["w"].numpy(force=True), w.detach().numpy())
    assert out["w"].requires_grad and out["same"] is out["w"]
    assert out["i"].dtype == ember.int64 and out["h"].dtype == ember.float16
    assert np.isnan(out["f"]) and out["inf"] == float("-inf")
    assert out["t"] == (1, [2, None]) and isinstance(out["d"], collections.OrderedDict)
    assert out[5] == "int key" and out[(1, 2)] == "tuple key"
    assert out["dt"] is ember.float64 and out["pt"].y == 2 and out["b"] == b"\x00\x01"
    assert out["c"] == 1 + 2j
    assert tuple(out["zero_d"].shape) == () and out["zero_d"].item() == 5
    assert out["t_view"].tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]


def test_module_state_dict_round_trip(tmp_path):
    m = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.BatchNorm1d(4))
    m(ember.randn(5, 3))
    ember.save(m.state_dict(), tmp_path / "m.pt")
    m2 = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.BatchNorm1d(4))
    m2.load_state_dict(ember.load(tmp_path / "m.pt"))
    for (k, a), (_, b) in zip(m.state_dict().items(), m2.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)


def test_optimizer_state_round_trip(tmp_path):
    w = ember.tensor(np.ones(3), requires_grad=True)
    opt = ember.optim.Adam([w], lr=0.1, betas=(0.8, 0.9))
    (w * w).sum().backward()
    opt.step()
    buf = io.BytesIO()
    ember.save(opt.state_dict(), buf)
    sd = ember.load(io.BytesIO(buf.getvalue()))
    assert sd["param_groups"][0]["betas"] == (0.8, 0.9)
    opt2 = ember.optim.Adam([w], lr=0.1)
    opt2.load_state_dict(sd)
    np.testing.assert_array_equal(opt2.state[w]["exp_avg"].numpy(),
                                  opt.state[w]["exp_avg"].numpy())


def test_unsupported_object_is_refused(tmp_path):
    with pytest.raises(TypeError, match="cannot save an object of type"):
        ember.save({"f": lambda: 1}, tmp_path / "x")


def test_reads_pytorch_checkpoint_without_running_pickled_code():
    obj = ember.load(os.path.join(DATA, "torch_checkpoint.pt"))
    sd = obj["model"]
    assert isinstance(sd, collections.OrderedDict) and list(sd) == ["weight", "bias"]
    np.testing.assert_allclose(sd["weight"].numpy(), [[-0.004322517663240433, 0.3097158372402191,
                                                       -0.4751853346824646],
                                                      [-0.4248946011066437, -0.2223689705133438,
                                                       0.15482072532176971]], rtol=1e-7)
    np.testing.assert_allclose(sd["bias"].numpy(), [-0.011439144611358643, 0.45777493715286255],
                               rtol=1e-7)
    assert sd["weight"].dtype == ember.float32
    assert obj["step"] == 7 and obj["lr"] == 0.5 and obj["name"] == "lin" and obj["flag"]
    assert obj["ints"].tolist() == [0, 1, 2, 3, 4] and obj["half"].dtype == ember.float16
    np.testing.assert_array_equal(obj["nested"][0].numpy(), [[1.0, 3.0], [2.0, 4.0]])
    assert obj["nested"][1] == (1, 2.5)
    assert obj["param"].requires_grad and obj["param"].tolist() == [1.5, -2.0]


def _crafted_zip(payload):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", payload)
        z.writestr("archive/byteorder", "little")
    return buf.getvalue()


class _Evil:
    def __reduce__(self):
        import os
        return (os.system, ("echo pwned > /tmp/ember_pwned",))


def test_crafted_checkpoint_cannot_run_code(tmp_path):
    marker = "/tmp/ember_pwned"
    if os.path.exists(marker):
        os.remove(marker)
    p = tmp_path / "evil.pt"
    p.write_bytes(_crafted_zip(pickle.dumps({"x": _Evil()}, protocol=2)))
    with pytest.raises(pickle.UnpicklingError, match="refusing to load 'posix.system'|"
                                                      "refusing to load 'os.system'"):
        ember.load(p)
    assert not os.path.exists(marker)
    raw = tmp_path / "raw.pkl"
    raw.write_bytes(pickle.dumps(_Evil()))
    with pytest.raises(RuntimeError, match="not a zip checkpoint"):
        ember.load(raw)
    assert not os.path.exists(marker)


def test_pytorch_round_trip_live(tmp_path):
    torch = pytest.importorskip("torch")
    lin = torch.nn.Linear(4, 3)
    p = tmp_path / "lin.pt"
    torch.save(lin.state_dict(), p)
    sd = ember.load(p)
    np.testing.assert_array_equal(sd["weight"].numpy(), lin.weight.detach().numpy())
    q = tmp_path / "back.pt"
    ember.save({"w": ember.tensor(np.arange(6.0).reshape(2, 3))}, q)
    assert ember.load(q)["w"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
