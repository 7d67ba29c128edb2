"""Rows for padding: ``nn.functional.pad`` in every mode (widths from the last dim backwards,
negative widths crop) and ``constant_pad_nd``."""
import numpy as np

from ._opinfo import OpInfo, S, rand


def one(*shape):
    return lambda rng: [S(rand(rng, *shape))]


def row(name, shape, pad, mode="constant", value=None, ref=None):
    kw = {} if value is None else {"value": value}
    return OpInfo(f"pad.{name}", lambda T, x: T.nn.functional.pad(x, pad, mode=mode, **kw), one(*shape),
                  ref=ref)


OPS = [
    row("constant", (2, 3), (1, 2), value=0.5,
        ref=lambda x: np.pad(x, ((0, 0), (1, 2)), constant_values=0.5)),
    row("constant_2d", (2, 3, 4), (1, 0, 2, 1),
        ref=lambda x: np.pad(x, ((0, 0), (2, 1), (1, 0)))),
    row("constant_crop", (3, 5), (-1, 2, 1, -2),
        ref=lambda x: np.pad(x[:1, 1:], ((1, 0), (0, 2)))),
    row("reflect", (2, 5), (2, 3), "reflect", ref=lambda x: np.pad(x, ((0, 0), (2, 3)), "reflect")),
    row("reflect_2d", (1, 3, 4), (1, 2, 2, 1), "reflect",
        ref=lambda x: np.pad(x, ((0, 0), (2, 1), (1, 2)), "reflect")),
    row("reflect_3d", (1, 2, 3, 3), (1, 1, 0, 2, 1, 0), "reflect",
        ref=lambda x: np.pad(x, ((0, 0), (1, 0), (0, 2), (1, 1)), "reflect")),
    row("replicate", (2, 2, 3), (3, 1), "replicate",
        ref=lambda x: np.pad(x, ((0, 0), (0, 0), (3, 1)), "edge")),
    row("replicate_2d", (1, 2, 3), (1, 2, 2, 0), "replicate",
        ref=lambda x: np.pad(x, ((0, 0), (2, 0), (1, 2)), "edge")),
    row("circular", (1, 2, 4), (1, 2), "circular",
        ref=lambda x: np.pad(x, ((0, 0), (0, 0), (1, 2)), "wrap")),
    row("circular_2d", (1, 3, 4), (2, 2, 1, 0), "circular",
        ref=lambda x: np.pad(x, ((0, 0), (1, 0), (2, 2)), "wrap")),
    row("circular_crop", (2, 5), (-2, 3), "circular",
        ref=lambda x: np.pad(x[:, 2:], ((0, 0), (0, 3)), "wrap")),
    OpInfo("constant_pad_nd", lambda T, x: T.constant_pad_nd(x, (1, 1, 0, 2), 1.5), one(2, 3),
           ref=lambda x: np.pad(x, ((0, 2), (1, 1)), constant_values=1.5)),
]
