"""Rows for resampling: interpolate in each mode (with and without align_corners, by size and
by scale factor) and pixel_shuffle/pixel_unshuffle."""
from ._opinfo import OpInfo, S, rand


def _interp(name, shape, **kw):
    return OpInfo(f"nn.interpolate.{name}",
                  lambda T, x: T.nn.functional.interpolate(x, **kw),
                  lambda rng: [S(rand(rng, *shape))])


OPS = [
    _interp("linear_size", (2, 3, 5), size=7, mode="linear"),
    _interp("linear_align", (2, 3, 5), size=8, mode="linear", align_corners=True),
    _interp("bilinear_scale", (1, 2, 3, 4), scale_factor=2, mode="bilinear"),
    _interp("bilinear_down_align", (1, 2, 5, 6), size=(3, 4), mode="bilinear",
            align_corners=True),
    _interp("trilinear", (1, 1, 3, 2, 3), scale_factor=(1.5, 2, 1), mode="trilinear"),
    _interp("nearest", (1, 2, 3, 4), size=(5, 7), mode="nearest"),
    _interp("nearest_exact", (1, 2, 4, 3), scale_factor=1.5, mode="nearest-exact"),
    _interp("area", (1, 2, 6, 4), size=(3, 2), mode="area"),
    OpInfo("nn.pixel_shuffle", lambda T, x: T.nn.functional.pixel_shuffle(x, 2),
           lambda rng: [S(rand(rng, 2, 8, 3, 2))]),
    OpInfo("nn.pixel_unshuffle", lambda T, x: T.nn.functional.pixel_unshuffle(x, 2),
           lambda rng: [S(rand(rng, 1, 2, 4, 6))]),
]

# adaptive max pooling (distinct values, so the maximum of each window is unique)
OPS += [
    OpInfo("nn.adaptive_max_pool1d", lambda T, x: T.nn.functional.adaptive_max_pool1d(x, 3),
           lambda rng: [S(rng.permutation(14).reshape(2, 7).astype(float) / 7)]),
    OpInfo("nn.adaptive_max_pool2d", lambda T, x: T.nn.functional.adaptive_max_pool2d(x, (2, 3)),
           lambda rng: [S(rng.permutation(70).reshape(2, 5, 7).astype(float) / 70)]),
]

# im2col and its adjoint
OPS += [
    OpInfo("nn.unfold", lambda T, x: T.nn.functional.unfold(x, (2, 3), dilation=(1, 2),
                                                          padding=1, stride=(2, 1)),
           lambda rng: [S(rand(rng, 2, 2, 4, 5))]),
    OpInfo("nn.fold", lambda T, x: T.nn.functional.fold(x, (4, 5), 2, padding=(1, 0)),
           lambda rng: [S(rand(rng, 2, 8, 20))]),
]
