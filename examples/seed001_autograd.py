"""Seed 001: a walk through torch.autograd ("PyTorch 源码解读之 torch.autograd"), on ember.

Custom Functions (Exp, GradCoeff), grad_fn, backward on a small DAG, dynamic control flow,
autograd.functional.jacobian/hessian, autograd.grad and hooks, gradcheck (the custom Sigmoid;
eps 1e-3 vs 1e-4, float32 vs float64), anomaly detection, no_grad, eval() vs no_grad, and the
profiler's function-level table.  Run: python examples/seed001_autograd.py
"""
import warnings

import ember as torch
from ember.autograd import Function


class Exp(Function):
    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        result, = ctx.saved_tensors
        return grad_output * result


class GradCoeff(Function):
    """Identity in forward; multiplies the gradient by a coefficient in backward."""

    @staticmethod
    def forward(ctx, x, coeff):
        ctx.coeff = coeff
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        return ctx.coeff * grad_output, None


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        output = 1 / (1 + torch.exp(-x))
        ctx.save_for_backward(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        output, = ctx.saved_tensors
        return output * (1 - output) * grad_output


def custom_functions():
    x = torch.tensor([1.], requires_grad=True)
    ret = Exp.apply(x)
    print(ret)                       # tensor([2.7183], grad_fn=<ExpBackward>)
    ret.backward()
    print(x.grad)                    # tensor([2.7183])

    x = torch.tensor([2.], requires_grad=True)
    ret = GradCoeff.apply(x, -0.1)
    ret = ret ** 2
    print(ret)                       # tensor([4.], grad_fn=<PowBackward0>)
    ret.backward()
    print(x.grad)                    # tensor([-0.4000])
    return x.grad


def small_dag():
    """x -> (a, b) -> c: the engine accumulates both paths into the leaves."""
    x = torch.tensor([1., 2.], requires_grad=True)
    w = torch.tensor([3., 4.], requires_grad=True)
    a = x * w
    b = x + w
    c = (a * b).sum()
    print(c.grad_fn, c.grad_fn.next_functions[0][0])
    torch.autograd.backward(c)
    print(x.grad, w.grad)            # d c/dx = w*(x+w) + x*w, d c/dw = x*(x+w) + x*w
    return x.grad, w.grad


def dynamic_graph():
    def f(x):
        result = 1
        for ii in x:
            if ii.item() > 0:
                result = ii * result
        return result
    x = torch.tensor([0.3071, 1.1043, 1.3605, -0.3471], requires_grad=True)
    y = f(x)
    print(y)                         # tensor(0.4614, grad_fn=<MulBackward0>)
    y.backward()
    print(x.grad)                    # tensor([1.5024, 0.4178, 0.3391, 0.0000])
    return x.grad


def functional_jacobian_hessian():
    from ember.autograd.functional import jacobian, hessian

    def exp_reducer(x):
        return x.exp().sum(dim=1)

    inputs = torch.tensor([[0.5, 1.0], [-1.0, 2.0]])
    jac = jacobian(exp_reducer, inputs)
    print(jac)

    def pow_reducer(x):
        return x.pow(3).sum()
    hes = hessian(pow_reducer, inputs)
    print(hes.shape)                 # torch.Size([2, 2, 2, 2])
    return jac, hes


def grad_and_hooks():
    x = torch.tensor([2.], requires_grad=True)
    y = x * x
    z = y * 4
    dz_dy, = torch.autograd.grad(z, y, retain_graph=True)
    print(dz_dy)                     # tensor([4.])
    seen = []
    handle = y.register_hook(lambda g: seen.append(g.clone()))
    z.backward()
    handle.remove()
    print(seen[0], x.grad)           # tensor([4.]) tensor([16.])
    return dz_dy, x.grad


def gradient_checks():
    torch.manual_seed(0)
    test_input = torch.randn(4, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # gradcheck warns about float32 inputs
        r1 = torch.autograd.gradcheck(Sigmoid.apply, (test_input,), eps=1e-3)
        r2 = torch.autograd.gradcheck(torch.sigmoid, (test_input,), eps=1e-3)
        r3 = torch.autograd.gradcheck(Sigmoid.apply, (test_input,), eps=1e-4,
                                      raise_exception=False)
        r4 = torch.autograd.gradcheck(torch.sigmoid, (test_input,), eps=1e-4,
                                      raise_exception=False)
    double = test_input.detach().double().requires_grad_()
    r5 = torch.autograd.gradcheck(Sigmoid.apply, (double,), eps=1e-4)
    print(r1, r2, r3, r4, r5)        # True True False False True
    return r1, r2, r3, r4, r5


def anomaly_detection():
    class MyFunc(Function):
        @staticmethod
        def forward(ctx, inp):
            return inp.clone()

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    inp = torch.rand(3, requires_grad=True)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        with torch.autograd.detect_anomaly():
            out = MyFunc.apply(inp).sum()
            try:
                out.backward()
            except RuntimeError as e:
                print("RuntimeError:", e)
                return str(e)


def grad_modes():
    x = torch.tensor([1.], requires_grad=True)
    with torch.no_grad():
        y = x * 2
    print(y.requires_grad)           # False

    @torch.no_grad()
    def doubler(x):
        return x * 2
    z = doubler(x)
    print(z.requires_grad)           # False
    net = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Dropout(0.5))
    net.eval()                       # Dropout off; recording still on
    out = net(torch.ones(1, 3))
    print(out.requires_grad)         # True
    with torch.no_grad():
        print(net(torch.ones(1, 3)).requires_grad)   # False
    return y.requires_grad, z.requires_grad


def profiler():
    x = torch.randn((1, 1), requires_grad=True)
    with torch.autograd.profiler.profile() as prof:
        for _ in range(100):
            y = x ** 2
            y.backward()
    print(prof.key_averages().table(sort_by="self_cpu_time_total"))
    return prof


def main():
    for step in (custom_functions, small_dag, dynamic_graph, functional_jacobian_hessian,
                 grad_and_hooks, gradient_checks, anomaly_detection, grad_modes, profiler):
        print(f"--- {step.__name__}")
        step()


if __name__ == "__main__":
    main()
