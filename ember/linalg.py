"""ember.linalg: PyTorch's torch.linalg namespace."""
from .ops.decomp import *  # noqa: F401,F403
from .ops.decomp import __all__  # noqa: F401
