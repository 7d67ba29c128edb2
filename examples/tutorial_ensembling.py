"""PyTorch's "Model ensembling" tutorial (torch.func), run on ember with one changed import.

Ensembling combines the predictions of several models.  Instead of running the models one
after the other, ``stack_module_state`` stacks their parameters and ``vmap`` over
``functional_call`` runs all of them in one vectorised computation: each model on its own
minibatch, or every model on the same minibatch.  Models with dropout use vmap's
``randomness`` flag: ``'different'`` gives every model its own dropout mask.

    python examples/tutorial_ensembling.py
"""
import copy

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
from ember.func import stack_module_state, functional_call, vmap


# A simple MLP (the tutorial's 784-128-128-10), with dropout after each hidden layer
class SimpleMLP(nn.Module):
    def __init__(self, p=0.1):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 128)
        self.fc3 = nn.Linear(128, 10)
        self.dropout = nn.Dropout(p)

    def forward(self, x):
        x = x.flatten(1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout(x)
        x = self.fc2(x)
        x = F.relu(x)
        x = self.dropout(x)
        x = self.fc3(x)
        return x


def make_data():
    """Dummy MNIST-like data: 100 minibatches of 64 images, and their targets."""
    data = torch.randn(100, 64, 1, 28, 28)
    targets = torch.randint(10, (6400,))
    return data, targets


def make_fmodel(models):
    """A stateless copy of one model, called with whichever (stacked) state we pass in."""
    # PyTorch moves this copy to the 'meta' device (no storage); ember has no meta device,
    # and the copy's own weights are never read: functional_call replaces all of them.
    base_model = copy.deepcopy(models[0])

    def fmodel(params, buffers, x):
        return functional_call(base_model, (params, buffers), (x,))
    return base_model, fmodel


def ensemble(models, data):
    """Predictions of the loop and of vmap, for different and for the same minibatches."""
    num_models = len(models)
    minibatches = data[:num_models]
    # Option 1: a different minibatch for each model
    predictions_diff_minibatch_loop = [model(minibatch)
                                       for model, minibatch in zip(models, minibatches)]
    # Option 2: the same minibatch for every model
    minibatch = data[0]
    predictions2 = [model(minibatch) for model in models]

    params, buffers = stack_module_state(models)
    base_model, fmodel = make_fmodel(models)
    print([p.size(0) for p in params.values()])    # the leading dim is the model index
    assert minibatches.shape == (num_models, 64, 1, 28, 28)

    predictions1_vmap = vmap(fmodel)(params, buffers, minibatches)
    assert torch.allclose(predictions1_vmap, torch.stack(predictions_diff_minibatch_loop),
                          atol=1e-3, rtol=1e-5)
    predictions2_vmap = vmap(fmodel, in_dims=(0, 0, None))(params, buffers, minibatch)
    assert torch.allclose(predictions2_vmap, torch.stack(predictions2), atol=1e-3, rtol=1e-5)
    return (predictions1_vmap, torch.stack(predictions_diff_minibatch_loop),
            predictions2_vmap, torch.stack(predictions2))


def dropout_ensemble(models, minibatch):
    """Training mode: dropout under vmap needs a randomness flag.  'different' draws one mask
    per model (each ensemble member regularised independently), 'same' one mask for all."""
    params, buffers = stack_module_state(models)
    base_model, fmodel = make_fmodel(models)
    base_model.train()
    try:
        vmap(fmodel, in_dims=(0, 0, None))(params, buffers, minibatch)
    except RuntimeError as e:                   # the default randomness='error'
        print(f"randomness='error': {str(e).splitlines()[0][:72]}...")
    different = vmap(fmodel, in_dims=(0, 0, None), randomness="different")(
        params, buffers, minibatch)
    same = vmap(fmodel, in_dims=(0, 0, None), randomness="same")(params, buffers, minibatch)
    print(different.shape, same.shape)           # torch.Size([10, 64, 10]) twice
    return different, same


def main(num_models=10):
    torch.manual_seed(0)
    data, targets = make_data()
    models = [SimpleMLP() for _ in range(num_models)]
    # dropout is random: compare the loop and vmap with it switched off
    for m in models:
        m.eval()
    ensemble(models, data)
    print("vmap over stacked models matches the loop (different and same minibatches)")
    for m in models:
        m.train()
    dropout_ensemble(models, data[0])

    # stack_module_state's tensors are fresh leaves: the whole ensemble trains at once
    params, buffers = stack_module_state(models)
    _, fmodel = make_fmodel(models)
    logits = vmap(fmodel, in_dims=(0, 0, None), randomness="different")(params, buffers,
                                                                       data[0])
    loss = F.cross_entropy(logits.flatten(0, 1), targets[:64].repeat(num_models))
    loss.backward()
    print({k: tuple(v.grad.shape) for k, v in list(params.items())[:2]})


if __name__ == "__main__":
    main()
