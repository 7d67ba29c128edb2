"""PyTorch's "Per-sample-gradients" tutorial (torch.func), run on ember with one changed import.

A per-sample gradient is the gradient of the loss of each example of a batch on its own
(differential privacy, meta-learning, optimisation research).  The naive way is one backward
pass per example; ``vmap(grad(compute_loss))`` with ``functional_call`` gives all of them at
once from a single, batched computation.

    python examples/tutorial_per_sample_grads.py [--runs N]
"""
import argparse

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
from ember.func import functional_call, vmap, grad
from ember.utils.benchmark import Timer


# Here's a simple CNN (MNIST-sized inputs: 1 x 28 x 28)
class SimpleCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def loss_fn(predictions, targets):
    return F.nll_loss(predictions, targets)


def make_data(batch_size=64):
    """A batch of dummy data: pretend it is MNIST, 28x28 images, a minibatch of 64."""
    data = torch.randn(batch_size, 1, 28, 28)
    targets = torch.randint(10, (batch_size,))
    return data, targets


def compute_sample_grads(model, data, targets):
    """The naive way: one ``autograd.grad`` per example, stacked per parameter."""
    def compute_grad(sample, target):
        sample = sample.unsqueeze(0)      # prepend a batch dimension of 1
        target = target.unsqueeze(0)
        prediction = model(sample)
        loss = loss_fn(prediction, target)
        return torch.autograd.grad(loss, list(model.parameters()))

    sample_grads = [compute_grad(data[i], targets[i]) for i in range(data.shape[0])]
    sample_grads = zip(*sample_grads)
    return [torch.stack(shards) for shards in sample_grads]


def make_ft_compute_sample_grad(model):
    """The efficient way: a function of (params, buffers, sample, target) for one example,
    its gradient with ``grad``, and ``vmap`` over the examples (params are shared)."""
    def compute_loss(params, buffers, sample, target):
        batch = sample.unsqueeze(0)
        targets = target.unsqueeze(0)
        predictions = functional_call(model, (params, buffers), (batch,))
        loss = loss_fn(predictions, targets)
        return loss

    ft_compute_grad = grad(compute_loss)
    return vmap(ft_compute_grad, in_dims=(None, None, 0, 0))


def ft_per_sample_grads(model, data, targets):
    # detach: the transforms differentiate these tensors, not the module's autograd leaves
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}
    return make_ft_compute_sample_grad(model)(params, buffers, data, targets)


def get_perf(first, first_descriptor, second, second_descriptor):
    """The relative gain of the faster of two Measurements (by their first times), named."""
    a, b = first.times[0], second.times[0]
    winner = first_descriptor if a < b else second_descriptor
    gain = abs(a - b) / max(a, b)
    print(f"Performance delta: {gain * 100:.4f} percent improvement with {winner}")


def main(runs=3, batch_size=64):
    torch.manual_seed(0)
    data, targets = make_data(batch_size)

    # In regular training, one forwards the batch and calls .backward() for one gradient
    model = SimpleCNN()
    predictions = model(data)
    loss = loss_fn(predictions, targets)
    loss.backward()

    per_sample_grads = compute_sample_grads(model, data, targets)
    print(per_sample_grads[0].shape)            # torch.Size([64, 32, 1, 3, 3])

    ft_grads = ft_per_sample_grads(model, data, targets)
    # the two ways agree (the tutorial's tolerance)
    for per_sample_grad, ft_per_sample_grad in zip(per_sample_grads, ft_grads.values()):
        assert torch.allclose(per_sample_grad, ft_per_sample_grad, atol=3e-3, rtol=1e-5)
    print("vmap(grad) per-sample gradients match the loop of autograd.grad")

    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}
    g = dict(compute_sample_grads=compute_sample_grads, model=model, data=data,
             targets=targets, ft_compute_sample_grad=make_ft_compute_sample_grad(model),
             params=params, buffers=buffers)
    without_vmap = Timer(stmt="compute_sample_grads(model, data, targets)", globals=g)
    with_vmap = Timer(stmt="ft_compute_sample_grad(params, buffers, data, targets)", globals=g)
    no_vmap_timing = without_vmap.timeit(runs)
    with_vmap_timing = with_vmap.timeit(runs)
    print(f"Per-sample-grads without vmap {no_vmap_timing}")
    print(f"Per-sample-grads with vmap {with_vmap_timing}")
    get_perf(with_vmap_timing, "vmap", no_vmap_timing, "no vmap")
    return per_sample_grads, ft_grads


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="timed runs of each method")
    main(ap.parse_args().runs)
