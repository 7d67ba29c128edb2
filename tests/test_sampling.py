"""interpolate, Upsample and pixel shuffling against PyTorch: every mode, size or scale factor,
align_corners, gradients; the layers' reprs; the argument errors."""
import itertools
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

_MODES = [(1, "linear"), (2, "bilinear"), (3, "trilinear"), (1, "nearest"), (2, "nearest"),
          (3, "nearest"), (2, "nearest-exact"), (1, "area"), (2, "area")]
_SIZES = [dict(size=(7, 6, 2)), dict(scale_factor=2), dict(scale_factor=0.5),
          dict(scale_factor=1.7), dict(size=(1, 1, 1)),
          dict(scale_factor=1.7, recompute_scale_factor=True)]


@pytest.mark.parametrize("nd,mode", _MODES)
@pytest.mark.parametrize("k", range(len(_SIZES)))
def test_interpolate_values_and_gradients_match_torch(nd, mode, k):
    kw = dict(_SIZES[k])
    if "size" in kw:
        kw["size"] = kw["size"][:nd]
    if mode == "area" and "scale_factor" in kw:
        pytest.skip("area takes sizes")
    rng = np.random.default_rng(k)
    x = rng.standard_normal((2, 3) + (5, 4, 3)[:nd])
    for ac in ((None,) if mode in ("nearest", "nearest-exact", "area") else (False, True)):
        res = []
        for T in (ember, torch):
            t = T.tensor(x, requires_grad=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                y = T.nn.functional.interpolate(t, mode=mode, align_corners=ac, **kw)
            w = T.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)))
            (y * w).sum().backward()
            res.append((np.asarray(y.detach().numpy()), np.asarray(t.grad.numpy())))
        assert res[0][0].shape == res[1][0].shape
        np.testing.assert_allclose(res[0][0], res[1][0], atol=1e-10)
        np.testing.assert_allclose(res[0][1], res[1][1], atol=1e-10)


def test_layers_match_torch():
    x = np.random.default_rng(0).standard_normal((1, 4, 3, 2)).astype(np.float32)
    for make in (lambda nn: nn.Upsample(scale_factor=2),
                 lambda nn: nn.Upsample(size=(5, 3), mode="bilinear"),
                 lambda nn: nn.UpsamplingNearest2d(scale_factor=3),
                 lambda nn: nn.UpsamplingBilinear2d(size=(4, 4)),
                 lambda nn: nn.PixelShuffle(2), lambda nn: nn.PixelUnshuffle(1)):
        e, t = make(ember.nn), make(torch.nn)
        assert repr(e) == repr(t)
        np.testing.assert_allclose(e(ember.tensor(x)).numpy(), t(torch.tensor(x)).numpy(),
                                   atol=1e-6)


def test_pixel_shuffle_round_trip_and_batch_dims():
    x = np.arange(2 * 3 * 18 * 2 * 2, dtype=np.float64).reshape(2, 3, 18, 2, 2)
    e = ember.nn.functional.pixel_shuffle(ember.tensor(x), 3)
    t = torch.nn.functional.pixel_shuffle(torch.tensor(x), 3)
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    back = ember.nn.functional.pixel_unshuffle(e, 3)
    np.testing.assert_array_equal(back.numpy(), x)


@pytest.mark.parametrize("call", [
    lambda T, x: T.nn.functional.interpolate(x, size=3, scale_factor=2),
    lambda T, x: T.nn.functional.interpolate(x),
    lambda T, x: T.nn.functional.interpolate(x, size=3, mode="nearest", align_corners=True),
    lambda T, x: T.nn.functional.interpolate(x, size=(3, 3), mode="linear"),
    lambda T, x: T.nn.functional.pixel_shuffle(x, 2),
    lambda T, x: T.nn.functional.pixel_unshuffle(x, 2),
])
def test_errors_match_torch(call):
    x = np.zeros((1, 3, 5))
    errors = []
    for T in (ember, torch):
        with pytest.raises((ValueError, RuntimeError, NotImplementedError)) as e:
            call(T, T.tensor(x))
        errors.append((type(e.value), str(e.value)))
    assert errors[0][0] is errors[1][0]
    assert errors[0][1] == errors[1][1]


@pytest.mark.parametrize("nd,shape,out", [
    (1, (2, 3, 7), 3), (1, (2, 3, 10), 4), (1, (3, 8), 5), (2, (2, 3, 7, 9), (3, 4)),
    (2, (2, 5, 6), (2, None)), (2, (1, 2, 5, 5), 5), (2, (1, 1, 6, 6), 1)])
def test_adaptive_max_pool_matches_torch_with_ties(nd, shape, out):
    """Values, indices (first maximum of each window, as PyTorch) and gradients."""
    x = np.random.default_rng(0).integers(0, 4, size=shape).astype(np.float64)
    res = []
    for T in (ember, torch):
        t = T.tensor(x, requires_grad=True)
        v, i = getattr(T.nn.functional, f"adaptive_max_pool{nd}d")(t, out, return_indices=True)
        w = T.tensor(np.cos(np.arange(v.numel())).reshape(tuple(v.shape)))
        (v * w).sum().backward()
        res.append((v.detach().numpy(), i.numpy(), t.grad.numpy()))
    for a, b in zip(*res):
        np.testing.assert_array_equal(a.shape, b.shape)
        np.testing.assert_allclose(a, b)
    m, tm = ember.nn.AdaptiveMaxPool2d((3, None)), torch.nn.AdaptiveMaxPool2d((3, None))
    assert repr(m) == repr(tm)


@pytest.mark.parametrize("shape,kw", [
    ((2, 3, 5, 6), dict(kernel_size=2)),
    ((2, 3, 7, 6), dict(kernel_size=(3, 2), dilation=(2, 1), padding=1, stride=(2, 3))),
    ((3, 4, 4), dict(kernel_size=3, padding=2)), ((1, 1, 5, 5), dict(kernel_size=5))])
def test_unfold_and_fold_match_torch(shape, kw):
    x = np.random.default_rng(0).standard_normal(shape)
    res = []
    for T in (ember, torch):
        t = T.tensor(x, requires_grad=True)
        u = T.nn.functional.unfold(t, **kw)
        f = T.nn.functional.fold(u * 2, tuple(shape[-2:]), **kw)
        (u * T.tensor(np.cos(np.arange(u.numel())).reshape(tuple(u.shape)))).sum().backward()
        res.append((u.detach().numpy(), f.detach().numpy(), t.grad.numpy()))
    for a, b in zip(*res):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, atol=1e-12)
    assert repr(ember.nn.Unfold(**kw)) == repr(torch.nn.Unfold(**kw))


@pytest.mark.parametrize("call", [
    lambda T: T.nn.functional.unfold(T.zeros(2, 3, 2, 2), 3),
    lambda T: T.nn.functional.unfold(T.zeros(2, 3), 2),
    lambda T: T.nn.functional.fold(T.zeros(1, 5, 4), (3, 3), 2),
    lambda T: T.nn.functional.fold(T.zeros(1, 8, 5), (3, 3), 2),
    lambda T: T.nn.functional.unfold(T.zeros(1, 1, 4, 4), 0),
    lambda T: T.nn.functional.unfold(T.zeros(1, 1, 4, 4), 2, stride=0),
    lambda T: T.nn.functional.fold(T.zeros(1, 4, 9), (4, 4), 2, padding=-1),
])
def test_unfold_fold_errors_match_torch(call):
    errors = []
    for T in (ember, torch):
        with pytest.raises((RuntimeError, IndexError)) as e:
            call(T)
        errors.append((type(e.value), str(e.value).rstrip(".")))
    assert errors[0] == errors[1]
