"""ember.func: composable function transforms with torch.func's API."""
from .grad import grad, grad_and_value, vjp
from .jvp import jvp
from .vmap import vmap
from .jacobians import jacrev, jacfwd, hessian
from .linearize import linearize

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "vmap", "jacrev", "jacfwd", "hessian", "linearize"]
