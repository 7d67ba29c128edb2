"""examples/digits.py: real data through ember.nn / optim / utils.data, a checkpoint that
reloads into a fresh model with identical predictions, and the plots.  A short run checks
the pipeline; the full-length run (a few seconds) checks the >= 95% test accuracy."""
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import ember

pytest.importorskip("sklearn")
pytest.importorskip("tqdm")
pytest.importorskip("matplotlib")

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")
sys.path.insert(0, EXAMPLES)

import digits  # noqa: E402


def _is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n" and os.path.getsize(path) > 5000


def test_digits_short_run_pipeline_checkpoint_and_plots(tmp_path, capsys):
    res = digits.main(epochs=2, out=str(tmp_path), progress=True)
    err = capsys.readouterr().err
    assert "cnn: 100%" in err and "mlp: 100%" in err          # tqdm's bars, to stderr
    for name in ("cnn", "mlp"):
        r = res[name]
        assert len(r["history"]["loss"]) == 2 and len(r["history"]["test_acc"]) == 2
        assert r["history"]["loss"][1] < r["history"]["loss"][0]      # it learns
        assert r["accuracy"] > 0.6
        # the reloaded model predicts exactly the same logits
        assert r["identical"] is True
        assert ember.equal(r["reloaded_logits"], r["logits"])
        assert r["reloaded_accuracy"] == r["accuracy"]
        # ember's data-only checkpoint: a zip with a JSON structure and .npy tensors
        path = r["checkpoint"]
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
        assert "data.json" in names and all(n.endswith(".npy") for n in names
                                            if n.startswith("tensors/"))
        ckpt = ember.load(path)
        assert ckpt["epoch"] == 2 and set(ckpt) >= {"model", "optimizer", "scheduler"}
        sd = r["model"].state_dict()
        assert list(ckpt["model"]) == list(sd)
        for k in sd:
            np.testing.assert_array_equal(ckpt["model"][k].numpy(), sd[k].numpy())
    # a model with different weights would not give the same predictions
    other = digits.make_cnn()
    _, test_loader = digits.load_data(0)
    assert not ember.equal(digits.predict(other, test_loader)[0], res["cnn"]["logits"])
    for png in res["plots"]:
        assert _is_png(png)


def test_digits_loader_split_and_shuffle_are_seeded():
    a_train, a_test = digits.load_data(seed=3)
    b_train, b_test = digits.load_data(seed=3)
    assert a_train.dataset.indices == b_train.dataset.indices
    assert len(a_train.dataset) + len(a_test.dataset) == 1797
    assert not set(a_train.dataset.indices) & set(a_test.dataset.indices)
    xa1, ya1 = next(iter(a_train))
    xb1, yb1 = next(iter(b_train))
    assert ember.equal(ya1, yb1) and ember.equal(xa1, xb1)
    ya2 = next(iter(a_train))[1]                 # a new epoch is a new permutation
    assert not ember.equal(ya1, ya2)
    # standardised with the training set's statistics
    x = ember.cat([x for x, _ in a_train])
    assert abs(x.mean().item()) < 1e-4 and abs(x.std().item() - 1) < 1e-3


def test_digits_full_run_reaches_95_percent_test_accuracy(tmp_path):
    """The full-length run (digits.EPOCHS epochs, a few seconds): both models >= 95%."""
    res = digits.main(epochs=digits.EPOCHS, out=str(tmp_path), progress=False)
    for name in ("cnn", "mlp"):
        assert res[name]["accuracy"] >= 0.95, (name, res[name]["accuracy"])
        assert res[name]["reloaded_accuracy"] == res[name]["accuracy"]


def test_digits_command_line(tmp_path):
    out = tmp_path / "run"
    p = subprocess.run([sys.executable, os.path.join(EXAMPLES, "digits.py"), "--epochs", "1",
                        "--out", str(out), "--no-progress"], capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    assert "identical predictions: True" in p.stdout
    for f in ("digits_cnn.pt", "digits_mlp.pt", "digits.png", "digits_predictions.png"):
        assert (out / f).exists()
