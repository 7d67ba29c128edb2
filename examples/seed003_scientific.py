"""Seed 003: torch.func for scientific computing, with ``import ember as torch``.

vmap of ``outer``; a vmapped 1-D radiative-transfer (RTE) solver (in-place slice assignment,
circular padding, ``repeat``, ``@``, Gauss-Legendre points from NumPy) at full size (4 cases,
N=400, t=1.0); grad, vmap(grad), jacrev/jacfwd/hessian shapes; a PINN-style Linear(2, 3) with
vmap(jacrev), vmap(jacfwd) and vmap(hessian).  Run: python examples/seed003_scientific.py
"""
import math

import numpy as np

import ember as torch
import ember.nn.functional as F
from ember.func import vmap, grad, jacrev, jacfwd, hessian


def outer_demo():
    def f(x):
        return torch.outer(x, x)

    x = torch.arange(1., 4.)
    print(f(x))
    bx = vmap(f)(f(x))
    print(bx)
    return bx


def get_gauss_point(n):
    x, w = np.polynomial.legendre.leggauss(n)
    return (torch.from_numpy(x).to(dtype=torch.get_default_dtype()),
            torch.from_numpy(w).to(dtype=torch.get_default_dtype()))


a = 1
c = 1
rho = 1
cv = 1
N = 400
L = 1
dx = L / N


def rte_setup():
    x = torch.arange(0.5 * dx, L + 0.5 * dx, dx)
    Tini = vmap(lambda cas: (1 + 0.1 * torch.sin(2 * math.pi * x + torch.sin(cas))) *
                (1 + torch.sin(cas)))(torch.tensor([1, 2, 3, 4]))
    sigma = vmap(lambda cas: (1 + 0.1 * torch.sin(2 * math.pi * x + torch.sin(cas + 1))) *
                 (1 + torch.sin(cas)))(torch.tensor([1, 2, 3, 4]))
    return Tini, sigma


def solve(Tini, sigma, t=1.0):
    CFL = 0.8
    dt = CFL * dx
    datarecord_sigma = sigma.clone()[None, :]

    Nvx = 8
    mu, wmu = get_gauss_point(Nvx)

    T = Tini
    I = 0.5 * a * c * Tini**4
    I = I.repeat(Nvx, 1)
    I = F.pad(I[None, ...], (1, 1), mode='circular')[0]
    I0 = wmu @ I
    sigma = sigma.repeat(Nvx // 2, 1)

    Nt = int(t / dt)
    list_T = []
    list_E = []
    for loop in range(Nt):
        I_out = I.clone()
        T_out = T.clone()
        I0_out = I0.clone()

        index = slice(1, -1)
        index_add1 = slice(2, None)
        index_sub1 = slice(None, -2)

        lv = slice(Nvx // 2, None)
        coe = mu[lv]
        I[lv, index] = I_out[lv, index] - dt / dx * coe[..., None] * (
            I_out[lv, index] - I_out[lv, index_sub1]) + dt * sigma * (
                (0.5 * a * c * T_out**4).repeat(Nvx // 2, 1) - I_out[lv, index])

        lv = slice(0, Nvx // 2)
        coe = mu[lv]
        I[lv, index] = I_out[lv, index] - dt / dx * coe[..., None] * (
            I_out[lv, index_add1] - I_out[lv, index]) + dt * sigma * (
                (0.5 * a * c * T_out**4).repeat(Nvx // 2, 1) - I_out[lv, index])

        I = F.pad(I[None, ..., 1:-1], (1, 1), mode='circular')[0]
        T = T_out + dt / cv * sigma[0, :] * (I0_out[index] - a * c * T_out**4)
        I0 = wmu @ I

        if loop % 10 == 0:
            list_E.append(I0[..., 1:-1].clone())
            list_T.append(T.clone())
    datarecord_E = torch.stack(list_E, dim=0)
    datarecord_T = torch.stack(list_T, dim=0)
    return datarecord_E, datarecord_T, datarecord_sigma


def rte_demo():
    Tini, sigma = rte_setup()
    E, T, s = vmap(solve)(Tini, sigma)
    print(E.shape, T.shape, s.shape)   # torch.Size([4, 50, 400]) torch.Size([4, 50, 400]) ...
    return E, T, s


def derivatives_demo():
    torch.manual_seed(0)
    x = torch.randn([])
    fx = lambda x: torch.sin(x)
    print((torch.cos(x), grad(fx)(x)))

    x = torch.randn([10, ])
    print((torch.cos(x), vmap(grad(fx))(x)))

    cos_x = jacrev(fx)(x)
    print(cos_x.shape, x.shape, fx(x).shape)

    x = torch.randn([10, 2])
    hessian_x = hessian(fx)(x)
    print(hessian_x.shape, x.shape)    # torch.Size([10, 2, 10, 2, 10, 2]) torch.Size([10, 2])
    return hessian_x


def pinn_demo():
    torch.manual_seed(0)
    x = torch.randn([1000, 2])
    Net = torch.nn.Linear(2, 3)
    y = Net(x)
    y2 = vmap(Net)(x)
    print(f"{x.shape=},{y.shape=},{y2.shape=}")

    dy_dx_1 = vmap(jacrev(Net))(x)
    dy_dx_2 = vmap(jacfwd(Net))(x)
    print(f"{dy_dx_1.shape=},{dy_dx_2.shape=}")

    def myhessian(f):
        return jacfwd(jacrev(f))

    def myhessian2(f):
        return jacrev(jacfwd(f))

    ddy_dxx = vmap(hessian(Net))(x)
    ddy_dxx2 = vmap(myhessian(Net))(x)
    ddy_dxx3 = vmap(myhessian2(Net))(x)
    print(f"{ddy_dxx.shape=},{ddy_dxx2.shape=},{ddy_dxx3.shape=}")
    return Net, x, dy_dx_1, dy_dx_2, ddy_dxx


def main():
    outer_demo()
    rte_demo()
    derivatives_demo()
    pinn_demo()


if __name__ == "__main__":
    main()
