"""Rows for the ops of the core skeleton (arith basics); matmul is in linalg.py, shape ops in
shape.py, getitem in indexing.py."""
import numpy as np

from ._opinfo import OpInfo, S, rand, unary_samples, binary_samples

OPS = [
    OpInfo("clone", lambda T, x: x.clone(), unary_samples(), ref=np.copy),
]
