"""ember.func: composable function transforms with torch.func's API."""
from .grad import grad, grad_and_value, vjp
from .jvp import jvp
from .vmap import vmap
from .jacobians import jacrev, jacfwd, hessian
from .linearize import linearize
from .functional_call import functional_call, stack_module_state, replace_all_batch_norm_modules_

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "vmap", "jacrev", "jacfwd", "hessian", "linearize", "functional_call",
           "stack_module_state", "replace_all_batch_norm_modules_"]
