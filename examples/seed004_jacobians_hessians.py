"""Seed 004: "Jacobians, Hessians, hvp, vhp, and more: composing function transforms",
with ``import ember as torch``.  Run: python examples/seed004_jacobians_hessians.py
"""
from functools import partial

import ember as torch
import ember.nn.functional as F
from ember.func import vmap, vjp, jvp, grad, jacrev, jacfwd, hessian
from ember.utils.benchmark import Timer


def predict(weight, bias, x):
    return F.linear(x, weight, bias).tanh()


def get_perf(first, first_descriptor, second, second_descriptor):
    """Compare the first time of two Measurements."""
    faster = second.times[0]
    slower = first.times[0]
    gain = (slower - faster) / slower
    if gain < 0:
        gain *= -1
    print(f" Performance delta: {gain * 100:.4f} percent improvement with {second_descriptor} ")


def jacobian_rows_vs_vmap(runs=500):
    _ = torch.manual_seed(0)
    D = 16
    weight = torch.randn(D, D)
    bias = torch.randn(D)
    x = torch.randn(D)

    def compute_jac(xp):
        jacobian_rows = [torch.autograd.grad(predict(weight, bias, xp), xp, vec)[0]
                         for vec in unit_vectors]
        return torch.stack(jacobian_rows)

    xp = x.clone().requires_grad_()
    unit_vectors = torch.eye(D)
    jacobian = compute_jac(xp)
    print(jacobian.shape)
    print(jacobian[0])

    _, vjp_fn = vjp(partial(predict, weight, bias), x)
    ft_jacobian, = vmap(vjp_fn)(unit_vectors)
    assert torch.allclose(ft_jacobian, jacobian)

    ft_jacobian = jacrev(predict, argnums=2)(weight, bias, x)
    assert torch.allclose(ft_jacobian, jacobian)

    g = dict(compute_jac=compute_jac, xp=xp, jacrev=jacrev, predict=predict, weight=weight,
             bias=bias, x=x)
    without_vmap = Timer(stmt="compute_jac(xp)", globals=g)
    with_vmap = Timer(stmt="jacrev(predict, argnums=2)(weight, bias, x)", globals=g)
    no_vmap_timer = without_vmap.timeit(runs)
    with_vmap_timer = with_vmap.timeit(runs)
    print(no_vmap_timer)
    print(with_vmap_timer)
    get_perf(no_vmap_timer, "without vmap", with_vmap_timer, "vmap")

    ft_jac_weight, ft_jac_bias = jacrev(predict, argnums=(0, 1))(weight, bias, x)
    return jacobian, ft_jac_weight, ft_jac_bias


def fwd_vs_rev(runs=100):
    for Din, Dout in ((32, 2048), (2048, 32)):
        weight = torch.randn(Dout, Din)
        bias = torch.randn(Dout)
        x = torch.randn(Din)
        print(weight.shape)
        g = dict(jacfwd=jacfwd, jacrev=jacrev, predict=predict, weight=weight, bias=bias, x=x)
        using_fwd = Timer(stmt="jacfwd(predict, argnums=2)(weight, bias, x)", globals=g)
        using_bwd = Timer(stmt="jacrev(predict, argnums=2)(weight, bias, x)", globals=g)
        jacfwd_timing = using_fwd.timeit(runs)
        jacrev_timing = using_bwd.timeit(runs)
        print(f'jacfwd time: {jacfwd_timing}')
        print(f'jacrev time: {jacrev_timing}')
        assert torch.allclose(jacfwd(predict, argnums=2)(weight, bias, x),
                              jacrev(predict, argnums=2)(weight, bias, x), atol=1e-5)


def hessians():
    Din, Dout = 512, 32
    weight = torch.randn(Dout, Din)
    bias = torch.randn(Dout)
    x = torch.randn(Din)
    hess_api = hessian(predict, argnums=2)(weight, bias, x)
    hess_fwdfwd = jacfwd(jacfwd(predict, argnums=2), argnums=2)(weight, bias, x)
    hess_revrev = jacrev(jacrev(predict, argnums=2), argnums=2)(weight, bias, x)
    print(torch.allclose(hess_api, hess_fwdfwd, atol=1e-5),
          torch.allclose(hess_api, hess_revrev, atol=1e-5))
    return hess_api


def batched():
    batch_size, Din, Dout = 64, 31, 33
    weight = torch.randn(Dout, Din)
    print(f"weight shape = {weight.shape}")
    bias = torch.randn(Dout)
    x = torch.randn(batch_size, Din)
    compute_batch_jacobian = vmap(jacrev(predict, argnums=2), in_dims=(None, None, 0))
    batch_jacobian0 = compute_batch_jacobian(weight, bias, x)

    def predict_with_output_summed(weight, bias, x):
        return predict(weight, bias, x).sum(0)

    batch_jacobian1 = jacrev(predict_with_output_summed, argnums=2)(weight, bias, x).movedim(1, 0)
    assert torch.allclose(batch_jacobian0, batch_jacobian1)
    compute_batch_hessian = vmap(hessian(predict, argnums=2), in_dims=(None, None, 0))
    batch_hess = compute_batch_hessian(weight, bias, x)
    print(batch_hess.shape)            # torch.Size([64, 33, 31, 31])
    return batch_jacobian0, batch_hess


def hvps():
    def hvp(f, primals, tangents):
        return jvp(grad(f), primals, tangents)[1]

    def f(x):
        return x.sin().sum()

    x = torch.randn(2048)
    tangent = torch.randn(2048)
    result = hvp(f, (x,), (tangent,))

    def hvp_revrev(f, primals, tangents):
        _, vjp_fn = vjp(grad(f), *primals)
        return vjp_fn(*tangents)

    result_hvp_revrev = hvp_revrev(f, (x,), (tangent,))
    assert torch.allclose(result, result_hvp_revrev[0])
    return result


def main(runs=500):
    jacobian_rows_vs_vmap(runs)
    fwd_vs_rev(max(runs // 5, 1))
    hessians()
    batched()
    hvps()


if __name__ == "__main__":
    main()
