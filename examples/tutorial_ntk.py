"""PyTorch's "Neural Tangent Kernels" tutorial (torch.func), run on ember with one changed
import.

The empirical NTK of a network f with parameters θ is Θ(x1, x2) = J(x1) J(x2)ᵀ, where J(x) is
the Jacobian of f(x) with respect to θ.  Two ways compute it: contract the Jacobians
(``vmap(jacrev)`` per input, then ``einsum``), or never form a Jacobian and take NTK-vector
products (a ``vjp`` followed by a ``jvp``, vmapped over a basis of the output space).  Both
give the 'full' kernel (N, M, K, K), its 'trace' (N, M) or its 'diagonal' (N, M, K).

    python examples/tutorial_ntk.py [--train N] [--test M]
"""
import argparse

import ember as torch
import ember.nn as nn
from ember.func import functional_call, vmap, vjp, jvp, jacrev


# A CNN on 3 x 32 x 32 inputs (CIFAR-sized)
class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, (3, 3))
        self.conv2 = nn.Conv2d(32, 32, (3, 3))
        self.conv3 = nn.Conv2d(32, 32, (3, 3))
        self.fc = nn.Linear(21632, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = x.relu()
        x = self.conv2(x)
        x = x.relu()
        x = self.conv3(x)
        x = x.flatten(1)
        x = self.fc(x)
        return x


def make_fnet_single(net):
    """f(params, x) for a single (unbatched) input, as the transforms need it."""
    def fnet_single(params, x):
        return functional_call(net, params, (x.unsqueeze(0),)).squeeze(0)
    return fnet_single


_EINSUM = {"full": "Naf,Mbf->NMab", "trace": "Naf,Maf->NM", "diagonal": "Naf,Maf->NMa"}


def empirical_ntk_jacobian_contraction(fnet_single, params, x1, x2, compute="full"):
    # Compute J(x1)
    jac1 = vmap(jacrev(fnet_single), (None, 0))(params, x1)
    jac1 = jac1.values()
    jac1 = [j.flatten(2) for j in jac1]

    # Compute J(x2)
    jac2 = vmap(jacrev(fnet_single), (None, 0))(params, x2)
    jac2 = jac2.values()
    jac2 = [j.flatten(2) for j in jac2]

    # Compute J(x1) @ J(x2).T, summed over the parameters
    einsum_expr = _EINSUM[compute]
    result = torch.stack([torch.einsum(einsum_expr, j1, j2) for j1, j2 in zip(jac1, jac2)])
    result = result.sum(0)
    return result


def empirical_ntk_ntk_vps(func, params, x1, x2, compute="full"):
    def get_ntk(x1, x2):
        def func_x1(params):
            return func(params, x1)

        def func_x2(params):
            return func(params, x2)

        output, vjp_fn = vjp(func_x1, params)

        def get_ntk_slice(vec):
            # This computes vec @ J(x1) (a vector in parameter space)
            vjps = vjp_fn(vec)
            # This computes J(x2) @ vjps
            _, jvps = jvp(func_x2, (params,), vjps)
            return jvps

        # Here's our identity matrix: one NTK-vector product per output unit
        basis = torch.eye(output.numel(), dtype=output.dtype, device=output.device).view(
            output.numel(), -1)
        return vmap(get_ntk_slice)(basis)

    # get_ntk(x1, x2) is the NTK of one pair of inputs; the vmaps make it every pair
    result = vmap(vmap(get_ntk, (None, 0)), (0, None))(x1, x2)

    if compute == "full":
        return result
    if compute == "trace":
        return torch.einsum("NMKK->NM", result)
    if compute == "diagonal":
        return torch.einsum("NMKK->NMK", result)
    raise ValueError(f"compute must be 'full', 'trace' or 'diagonal', got {compute!r}")


def main(n_train=20, n_test=5):
    torch.manual_seed(0)
    x_train = torch.randn(n_train, 3, 32, 32)
    x_test = torch.randn(n_test, 3, 32, 32)
    net = CNN()
    # detach: the parameters are inputs of the transforms, not autograd leaves
    params = {k: v.detach() for k, v in net.named_parameters()}
    fnet_single = make_fnet_single(net)

    result = empirical_ntk_jacobian_contraction(fnet_single, params, x_train, x_test)
    print(result.shape)                      # torch.Size([20, 5, 10, 10])
    result = empirical_ntk_jacobian_contraction(fnet_single, params, x_train, x_test, "trace")
    print(result.shape)                      # torch.Size([20, 5])

    out = {}
    for compute in ("full", "trace", "diagonal"):
        from_jacobian_contraction = empirical_ntk_jacobian_contraction(
            fnet_single, params, x_test, x_train, compute)
        from_ntk_vps = empirical_ntk_ntk_vps(fnet_single, params, x_test, x_train, compute)
        # the tutorial's check (its atol, with a relative term for the trace, which sums
        # ten entries of magnitude ~100 in float32)
        assert torch.allclose(from_jacobian_contraction, from_ntk_vps, atol=1e-5, rtol=1e-5)
        print(f"{compute}: {tuple(from_ntk_vps.shape)}, the two methods agree")
        out[compute] = (from_jacobian_contraction, from_ntk_vps)
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=int, default=20, help="number of training inputs")
    ap.add_argument("--test", type=int, default=5, help="number of test inputs")
    a = ap.parse_args()
    main(a.train, a.test)
