"""Seed 002: functorch's "Whirlwind Tour" (grad, vmap, per-sample gradients, vjp, jvp,
jacrev, jacfwd, hessian) with ``import ember as torch``.  Run: python examples/seed002_whirlwind.py
"""
import ember as torch
from ember.func import grad, vmap, vjp, jvp, jacrev, jacfwd, hessian


def main():
    torch.manual_seed(0)
    x = torch.randn([])
    cos_x = grad(lambda x: torch.sin(x))(x)
    assert torch.allclose(cos_x, x.cos())
    neg_sin_x = grad(grad(lambda x: torch.sin(x)))(x)
    assert torch.allclose(neg_sin_x, -x.sin())

    batch_size, feature_size = 3, 5
    weights = torch.randn(feature_size, requires_grad=True)

    def model(feature_vec):
        assert feature_vec.dim() == 1
        return feature_vec.dot(weights).relu()

    examples = torch.randn(batch_size, feature_size)
    result = vmap(model)(examples)
    print("vmap(model):", result)

    def model2(weights, feature_vec):
        assert feature_vec.dim() == 1
        return feature_vec.dot(weights).relu()

    def compute_loss(weights, example, target):
        y = model2(weights, example)
        return ((y - target) ** 2).mean()

    weights = torch.randn(feature_size, requires_grad=True)
    examples = torch.randn(batch_size, feature_size)
    targets = torch.randn(batch_size)
    inputs = (weights, examples, targets)
    grad_weight_per_example = vmap(grad(compute_loss), in_dims=(None, 0, 0))(*inputs)
    print("per-sample grads:", grad_weight_per_example.shape)

    inputs = torch.randn(3)
    func = torch.sin
    cotangents = (torch.randn(3),)
    outputs, vjp_fn = vjp(func, inputs)
    vjps = vjp_fn(*cotangents)
    assert torch.allclose(vjps[0], cotangents[0] * inputs.cos())

    x = torch.randn(5)
    y = torch.randn(5)
    f = lambda x, y: (x * y)
    _, output = jvp(f, (x, y), (torch.ones(5), torch.ones(5)))
    assert torch.allclose(output, x + y)

    x = torch.randn(5)
    jacobian = jacrev(torch.sin)(x)
    expected = torch.diag(torch.cos(x))
    assert torch.allclose(jacobian, expected)

    x = torch.randn(64, 5)
    jacobian = vmap(jacrev(torch.sin))(x)
    assert jacobian.shape == (64, 5, 5)

    x = torch.randn(5)
    jacobian = jacfwd(torch.sin)(x)
    assert torch.allclose(jacobian, torch.diag(torch.cos(x)))

    def f(x):
        return x.sin().sum()

    x = torch.randn(5)
    hessian0 = jacrev(jacrev(f))(x)
    hessian1 = jacfwd(jacrev(f))(x)
    hess = hessian(f)(x)
    assert torch.allclose(hessian0, hessian1) and torch.allclose(hess, hessian0)
    print("hessian:", hess.shape, "all whirlwind assertions hold")
    return hess


if __name__ == "__main__":
    main()
