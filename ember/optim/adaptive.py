"""Adamax, NAdam, RAdam and Adadelta, following PyTorch's single-tensor updates step by step
(the same operations in the same order, so 100 steps agree to float64 rounding)."""
import math

import numpy as np

from .adam import _check
from .optimizer import Optimizer

__all__ = ["Adamax", "NAdam", "RAdam", "Adadelta"]


def _state(opt, p, *buffers):
    """The parameter's state, created on its first step: a float32 step counter and zeroed
    buffers named ``buffers``."""
    from ..ops.creation import zeros_like, tensor
    from .. import _dtype as D
    st = opt.state[p]
    if not st:
        st["step"] = tensor(0.0, dtype=D.float32)
        for name in buffers:
            st[name] = zeros_like(p)
    st["step"].add_(1)
    return st, st["step"].item()


def _grad(p, group, decoupled=False):
    """The gradient after ``maximize`` and L2 weight decay (or decoupled decay of ``p``)."""
    g = p.grad
    if group["maximize"]:
        g = -g
    wd = group["weight_decay"]
    if wd != 0:
        if decoupled:
            p.mul_(1 - group["lr"] * wd)
        else:
            g = g.add(p, alpha=wd)
    return g


def _params(group):
    return [p for p in group["params"] if p.grad is not None]


class Adamax(Optimizer):
    """Adam with the infinity norm: the second moment is a running max of |g|."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check(lr, eps, betas, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def _update(self, group):
        from ..ops.math import maximum
        lr, (b1, b2), eps = group["lr"], group["betas"], group["eps"]
        for p in _params(group):
            g = _grad(p, group)
            st, step = _state(self, p, "exp_avg", "exp_inf")
            m, u = st["exp_avg"], st["exp_inf"]
            m.lerp_(g, 1 - b1)
            u.copy_(maximum(u * b2, g.abs().add_(eps)))
            p.addcdiv_(m, u, value=-lr / (1 - b1 ** step))


class NAdam(Optimizer):
    """Adam with Nesterov momentum and a momentum schedule (``momentum_decay``)."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check(lr, eps, betas, weight_decay)
        if momentum_decay < 0.0:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      foreach=foreach, maximize=maximize,
                                      capturable=capturable, differentiable=differentiable))

    def _update(self, group):
        from ..ops.creation import tensor
        from .. import _dtype as D
        lr, (b1, b2), eps = group["lr"], group["betas"], group["eps"]
        psi = group["momentum_decay"]
        for p in _params(group):
            g = _grad(p, group, group["decoupled_weight_decay"])
            st, step = _state(self, p, "exp_avg", "exp_avg_sq")
            if "mu_product" not in st:
                st["mu_product"] = tensor(1.0, dtype=D.float32)
            m, v = st["exp_avg"], st["exp_avg_sq"]
            mu = b1 * (1.0 - 0.5 * 0.96 ** (step * psi))
            mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
            # PyTorch keeps the product of the mus in a float32 tensor: round as it does
            mu_product = float(np.float32(st["mu_product"].item()) * np.float32(mu))
            st["mu_product"].fill_(mu_product)
            m.lerp_(g, 1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            denom = v.div(1 - b2 ** step).sqrt().add_(eps)
            p.addcdiv_(g, denom, value=-lr * (1.0 - mu) / (1.0 - mu_product))
            p.addcdiv_(m, denom, value=-lr * mu_next / (1.0 - mu_product * mu_next))


class RAdam(Optimizer):
    """Adam with the variance of the adaptive lr rectified: plain momentum SGD for the first
    steps, where that variance is not yet defined."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check(lr, eps, betas, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      foreach=foreach, maximize=maximize,
                                      capturable=capturable, differentiable=differentiable))

    def _update(self, group):
        lr, (b1, b2), eps = group["lr"], group["betas"], group["eps"]
        rho_inf = 2 / (1 - b2) - 1
        for p in _params(group):
            g = _grad(p, group, group["decoupled_weight_decay"])
            st, step = _state(self, p, "exp_avg", "exp_avg_sq")
            m, v = st["exp_avg"], st["exp_avg_sq"]
            m.lerp_(g, 1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            bc2 = 1 - b2 ** step
            m_hat = m / (1 - b1 ** step)
            rho_t = rho_inf - 2 * step * (b2 ** step) / bc2
            if rho_t > 5.0:
                rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf /
                                 ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                adaptive = math.sqrt(bc2) / v.sqrt().add_(eps)
                p.add_(m_hat * lr * adaptive * rect, alpha=-1.0)
            else:
                p.add_(m_hat * lr, alpha=-1.0)


class Adadelta(Optimizer):
    """Per-coordinate steps from running averages of squared gradients and squared updates."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        for name, v in (("learning rate", lr), ("epsilon value", eps),
                        ("weight_decay value", weight_decay)):
            if v < 0.0:
                raise ValueError(f"Invalid {name}: {v}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      foreach=foreach, capturable=capturable,
                                      maximize=maximize, differentiable=differentiable))

    def _update(self, group):
        lr, rho, eps = group["lr"], group["rho"], group["eps"]
        for p in _params(group):
            g = _grad(p, group)
            st, _ = _state(self, p, "square_avg", "acc_delta")
            sq, acc = st["square_avg"], st["acc_delta"]
            sq.mul_(rho).addcmul_(g, g, value=1 - rho)
            std = sq.add(eps).sqrt_()
            delta = acc.add(eps).sqrt_().div_(std).mul_(g)
            acc.mul_(rho).addcmul_(delta, delta, value=1 - rho)
            p.add_(delta, alpha=-lr)
