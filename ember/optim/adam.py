"""Adam and AdamW (with amsgrad and maximize), following PyTorch's update exactly."""
import math

from ._update import add_scaled_, lerp_, sq_avg_, scale_
from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


def _check(lr, eps, betas, weight_decay):
    if lr < 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")
    if eps < 0.0:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if weight_decay < 0.0:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


class Adam(Optimizer):
    """Adaptive moments; ``weight_decay`` is added to the gradient (L2), not decoupled."""
    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check(lr, eps, betas, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                                      capturable=capturable, differentiable=differentiable,
                                      fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, group):
        from ..ops.creation import zeros_like, tensor
        from .. import _dtype as D
        lr, (b1, b2), eps = group["lr"], group["betas"], group["eps"]
        wd, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
        decoupled = self._decoupled or group.get("decoupled_weight_decay", False)
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            if maximize:
                g = -g
            st = self.state[p]
            if not st:
                st["step"] = tensor(0.0, dtype=D.float32)
                st["exp_avg"] = zeros_like(p)
                st["exp_avg_sq"] = zeros_like(p)
                if amsgrad:
                    st["max_exp_avg_sq"] = zeros_like(p)
            st["step"].add_(1)
            step = st["step"].item()
            if wd != 0:
                if decoupled:
                    scale_(p, 1 - lr * wd)
                else:
                    g = g.add(p, alpha=wd)
            m, v = st["exp_avg"], st["exp_avg_sq"]
            lerp_(m, g, 1 - b1)
            sq_avg_(v, g, b2)
            bc1 = 1 - b1 ** step
            bc2_sqrt = math.sqrt(1 - b2 ** step)
            if amsgrad:
                vmax = st["max_exp_avg_sq"]
                from ..ops.comparison import where
                vmax.copy_(where(v > vmax, v, vmax))
                denom = (vmax.sqrt() / bc2_sqrt).add_(eps)
            else:
                denom = (v.sqrt() / bc2_sqrt).add_(eps)
            add_scaled_(p, m / denom, -lr / bc1)


class AdamW(Adam):
    """Adam with decoupled weight decay (``p *= 1 - lr * weight_decay`` before the step)."""
    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused)
