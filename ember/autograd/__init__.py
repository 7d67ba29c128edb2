"""ember.autograd: the tape (``backward``, ``grad``), grad modes, custom Functions, and the
debugging tools (gradcheck, anomaly mode, profiler)."""
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,
                        is_grad_enabled, is_inference_mode_enabled)
from .backward import backward, grad
from .graph import Node
from .function import *  # noqa: F401,F403
from .gradcheck import *  # noqa: F401,F403
from .anomaly_mode import *  # noqa: F401,F403
from . import functional, forward_ad, profiler, graph, graphviz  # noqa: F401
