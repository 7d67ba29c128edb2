"""Handwritten digits with ember: a small CNN and an MLP trained on scikit-learn's 8x8 digits.

Real data (1,797 images shipped with scikit-learn, no download), ember.nn models, ember.optim
optimizers with a learning-rate schedule, a shuffling DataLoader driven by a seeded
Generator, a tqdm progress bar, a checkpoint written with ``ember.save`` and read back with
``ember.load`` into a fresh model (same predictions, same accuracy), and a loss/accuracy plot.

    python examples/digits.py [--epochs N] [--out DIR] [--seed S] [--no-progress]

Writes DIR/digits_cnn.pt, DIR/digits_mlp.pt, DIR/digits.png (curves) and
DIR/digits_predictions.png (test digits with their predicted labels).
"""
import argparse
import os
import time

import numpy as np

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim
from ember.utils.data import DataLoader, TensorDataset, random_split

NEEDS = ("sklearn", "tqdm", "matplotlib")     # the optional packages this example uses
EPOCHS = 15          # both models pass 95% test accuracy well before this (~10 s in all)


def load_data(seed=0, batch_size=32):
    """Train/test loaders over the digits: 80/20 split and shuffling from seeded Generators,
    pixels scaled to [0, 1] and standardised with the training set's statistics."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    images = torch.from_numpy(digits.images.astype(np.float32) / 16.0).unsqueeze(1)
    labels = torch.from_numpy(digits.target.astype(np.int64))
    train_set, test_set = random_split(TensorDataset(images, labels), [0.8, 0.2],
                                       generator=torch.Generator().manual_seed(seed))
    train_images = images[train_set.indices]
    mean, std = train_images.mean(), train_images.std()
    images.sub_(mean).div_(std)          # the Subsets index into these, now standardised
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True,
                              generator=torch.Generator().manual_seed(seed + 1))
    test_loader = DataLoader(test_set, batch_size=256)
    return train_loader, test_loader


def make_cnn():
    """Two 3x3 convolutions, a 2x2 max-pool and a small classifier: 1x8x8 -> 10."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),                               # 32 x 4 x 4
        nn.Flatten(), nn.Dropout(0.25),
        nn.Linear(512, 64), nn.ReLU(),
        nn.Linear(64, 10))


def make_mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(128, 10))


MODELS = {
    # name: (model factory, optimizer factory)
    "cnn": (make_cnn, lambda params: optim.Adam(params, lr=2e-3)),
    "mlp": (make_mlp, lambda params: optim.SGD(params, lr=0.05, momentum=0.9,
                                               weight_decay=1e-4)),
}


@torch.no_grad()
def predict(model, loader):
    """Logits and labels of a whole loader, in eval mode (dropout off)."""
    model.eval()
    logits, labels = [], []
    for x, y in loader:
        logits.append(model(x))
        labels.append(y)
    return torch.cat(logits), torch.cat(labels)


def accuracy(logits, labels):
    return (logits.argmax(1) == labels).float().mean().item()


def train(model, optimizer, train_loader, test_loader, epochs, desc="", progress=True):
    """Plain supervised training; returns the per-epoch history (loss, train/test accuracy)."""
    from tqdm import tqdm
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(epochs, 1))
    history = {"loss": [], "train_acc": [], "test_acc": [], "lr": []}
    bar = tqdm(total=epochs * len(train_loader), desc=desc, disable=not progress,
               unit="batch", leave=True)
    for epoch in range(epochs):
        model.train()
        total, correct, seen = 0.0, 0, 0
        for x, y in train_loader:
            optimizer.zero_grad()
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
            seen += len(y)
            bar.update(1)
        history["lr"].append(scheduler.get_last_lr()[0])
        scheduler.step()
        history["loss"].append(total / seen)
        history["train_acc"].append(correct / seen)
        history["test_acc"].append(accuracy(*predict(model, test_loader)))
        bar.set_postfix(loss=f"{history['loss'][-1]:.3f}",
                        test_acc=f"{history['test_acc'][-1]:.3f}")
    bar.close()
    return history, scheduler


def save_checkpoint(path, model, optimizer, scheduler, history):
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "epoch": len(history["loss"]),
                "history": history}, path)


def reload_and_check(path, name, test_loader, logits):
    """A fresh model and optimizer from the checkpoint; their predictions must be the same."""
    make_model, make_opt = MODELS[name]
    checkpoint = torch.load(path)           # data-only format: loading runs no code
    fresh = make_model()
    fresh.load_state_dict(checkpoint["model"])
    make_opt(fresh.parameters()).load_state_dict(checkpoint["optimizer"])
    fresh_logits, labels = predict(fresh, test_loader)
    return fresh_logits, accuracy(fresh_logits, labels), torch.equal(fresh_logits, logits)


def plot(results, path):
    """Training loss and test accuracy per epoch for every model, as a PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    for name, r in results.items():
        h = r["history"]
        epochs = np.arange(1, len(h["loss"]) + 1)
        ax1.plot(epochs, h["loss"], marker="o", ms=3, label=name.upper())
        ax2.plot(epochs, h["test_acc"], marker="o", ms=3, label=f"{name.upper()} (test)")
        ax2.plot(epochs, h["train_acc"], ls=":", color=ax2.lines[-1].get_color(),
                 label=f"{name.upper()} (train)")
    ax1.set(xlabel="epoch", ylabel="cross-entropy", title="training loss", yscale="log")
    ax2.axhline(0.95, color="grey", lw=0.8, ls="--")
    ax2.set(xlabel="epoch", ylabel="accuracy", title="accuracy (dashed: 95%)",
            ylim=(min(0.8, *(min(r["history"]["test_acc"]) for r in results.values())), 1.0))
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("ember on scikit-learn's handwritten digits (8x8, 1797 images)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_predictions(test_loader, logits, path, n=16):
    """The first ``n`` test digits with the CNN's predicted labels (red when wrong)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    x, y = next(iter(DataLoader(test_loader.dataset, batch_size=n)))
    pred = logits[:n].argmax(1)
    fig, axes = plt.subplots(2, n // 2, figsize=(n * 0.6, 2.8))
    for i, ax in enumerate(axes.ravel()):
        ax.imshow(x[i, 0].numpy(), cmap="gray_r")
        ok = pred[i].item() == y[i].item()
        ax.set_title(str(pred[i].item()), color="black" if ok else "red", fontsize=10)
        ax.axis("off")
    fig.suptitle("test digits and the CNN's predictions (red: wrong)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main(epochs=EPOCHS, out="digits_out", seed=0, progress=True):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(seed)
    train_loader, test_loader = load_data(seed)
    print(f"digits: {len(train_loader.dataset)} training and {len(test_loader.dataset)} "
          f"test images, batches of {train_loader.batch_size}")
    results = {}
    for name, (make_model, make_opt) in MODELS.items():
        t0 = time.perf_counter()
        model = make_model()
        optimizer = make_opt(model.parameters())
        history, scheduler = train(model, optimizer, train_loader, test_loader, epochs,
                                   desc=name, progress=progress)
        logits, labels = predict(model, test_loader)
        acc = accuracy(logits, labels)
        path = os.path.join(out, f"digits_{name}.pt")
        save_checkpoint(path, model, optimizer, scheduler, history)
        fresh_logits, fresh_acc, same = reload_and_check(path, name, test_loader, logits)
        n_params = sum(p.numel() for p in model.parameters())
        print(f"{name}: {n_params} parameters, {epochs} epochs in "
              f"{time.perf_counter() - t0:.1f} s, test accuracy {acc:.4f}; reloaded from "
              f"{path}: accuracy {fresh_acc:.4f}, identical predictions: {same}")
        results[name] = dict(model=model, history=history, accuracy=acc, logits=logits,
                             checkpoint=path, reloaded_accuracy=fresh_acc,
                             reloaded_logits=fresh_logits, identical=same)
    png = plot(results, os.path.join(out, "digits.png"))
    samples = plot_predictions(test_loader, results["cnn"]["logits"],
                               os.path.join(out, "digits_predictions.png"))
    print(f"plots: {png}, {samples}")
    results["plots"] = (png, samples)
    return results


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=EPOCHS, help="training epochs per model")
    ap.add_argument("--out", default="digits_out", help="directory for checkpoints and plots")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-progress", action="store_true", help="no tqdm progress bars")
    a = ap.parse_args()
    main(a.epochs, a.out, a.seed, progress=not a.no_progress)
