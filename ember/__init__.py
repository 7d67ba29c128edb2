"""ember: PyTorch's autograd and torch.func transforms on NumPy arrays.

Use it as ``import ember as torch``.
"""
import warnings as _warnings

# NumPy's floating-point RuntimeWarnings (log(0), 0/0 ...) raised inside ember's own code: PyTorch
# returns inf/nan silently; this filter applies only to warnings attributed to ember modules.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"ember(\.|$)")
from ._dtype import (dtype, bool, uint8, int8, int16, int32, int64, float16, float32, float64,
                     complex64, complex128, half, float, double, short, int, long, cfloat,
                     cdouble, get_default_dtype, set_default_dtype, promote_types, result_type,
                     can_cast, finfo, iinfo)
from ._backend import device
from ._repr import set_printoptions
from ._tensor import Tensor, Size
from .ops.elementwise import *
from .ops.math import *
from .ops.comparison import *
from .ops.reduction import *
from .ops.sorting import *
from .ops.softmax import *
from .ops.shape import *
from .ops.join import *
from .ops.indexing import *
from .ops.pad import *
from .ops.linalg import *
from .ops.copy import *
from .ops.creation import *
from .ops.random import *
from .ops.grids import *
from .ops.sets import *
from .ops.statistics import *
from .ops.elementwise_extra import *
from .autograd.grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,
                                 is_grad_enabled, is_inference_mode_enabled)
from .autograd.anomaly_mode import (is_anomaly_enabled, is_anomaly_check_nan_enabled,
                                   set_detect_anomaly)
from . import autograd
from . import func
from . import linalg
from . import nn
from . import optim
from . import profiler
from . import utils
from .func import vmap
from .serialization import save, load
from . import _tensor_methods

_tensor_methods.install()
del _tensor_methods

__version__ = "0.1.0"
