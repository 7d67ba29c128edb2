"""RMSprop and Adagrad."""
from .optimizer import Optimizer

__all__ = ["RMSprop", "Adagrad"]


class RMSprop(Optimizer):
    """Divide the gradient by a running RMS of its history (optionally centered, momentum)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        for name, v in (("learning rate", lr), ("epsilon value", eps), ("momentum value", momentum),
                        ("weight_decay value", weight_decay), ("alpha value", alpha)):
            if v < 0.0:
                raise ValueError(f"Invalid {name}: {v}")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered,
                                      capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _update(self, group):
        from ..ops.creation import zeros_like, tensor
        from .. import _dtype as D
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        wd, mom, centered = group["weight_decay"], group["momentum"], group["centered"]
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            if group["maximize"]:
                g = -g
            st = self.state[p]
            if not st:
                st["step"] = tensor(0.0, dtype=D.float32)
                st["square_avg"] = zeros_like(p)
                if mom > 0:
                    st["momentum_buffer"] = zeros_like(p)
                if centered:
                    st["grad_avg"] = zeros_like(p)
            st["step"].add_(1)
            if wd != 0:
                g = g.add(p, alpha=wd)
            sq = st["square_avg"]
            sq.mul_(alpha).add_(g * g, alpha=1 - alpha)
            if centered:
                ga = st["grad_avg"]
                ga.mul_(alpha).add_(g, alpha=1 - alpha)
                avg = (sq - ga * ga).sqrt().add_(eps)
            else:
                avg = sq.sqrt().add_(eps)
            if mom > 0:
                buf = st["momentum_buffer"]
                buf.mul_(mom).add_(g / avg)
                p.add_(buf, alpha=-lr)
            else:
                p.add_(g / avg, alpha=-lr)


class Adagrad(Optimizer):
    """Per-coordinate learning rates from the sum of squared gradients."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        for name, v in (("learning rate", lr), ("lr_decay value", lr_decay),
                        ("weight_decay value", weight_decay),
                        ("initial_accumulator_value value", initial_accumulator_value),
                        ("epsilon value", eps)):
            if v < 0.0:
                raise ValueError(f"Invalid {name}: {v}")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, fused=fused))
        from ..ops.creation import full_like, tensor
        from .. import _dtype as D
        for group in self.param_groups:
            for p in group["params"]:
                st = self.state[p]
                st["step"] = tensor(0.0, dtype=D.float32)
                st["sum"] = full_like(p, group["initial_accumulator_value"])

    def _update(self, group):
        lr, lr_decay, eps, wd = group["lr"], group["lr_decay"], group["eps"], group["weight_decay"]
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            if group["maximize"]:
                g = -g
            st = self.state[p]
            st["step"].add_(1)
            step = st["step"].item()
            if wd != 0:
                g = g.add(p, alpha=wd)
            clr = lr / (1 + (step - 1) * lr_decay)
            s = st["sum"]
            s.add_(g * g)
            p.add_(g / s.sqrt().add_(eps), alpha=-clr)
