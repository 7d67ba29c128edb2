"""ember.utils.data: datasets, samplers, DataLoader batching and collation, random_split."""
import collections

import numpy as np
import pytest

import ember
from ember.utils.data import (TensorDataset, DataLoader, Dataset, random_split, Subset,
                              ConcatDataset, default_collate, BatchSampler, SequentialSampler,
                              RandomSampler, IterableDataset)


def _ds(n=10):
    return TensorDataset(ember.arange(2.0 * n).reshape(n, 2), ember.arange(n))


def test_sequential_batches_and_drop_last():
    batches = list(DataLoader(_ds(), batch_size=4))
    assert [tuple(b[0].shape) for b in batches] == [(4, 2), (4, 2), (2, 2)]
    assert batches[1][1].tolist() == [4, 5, 6, 7]
    assert len(list(DataLoader(_ds(), batch_size=4, drop_last=True))) == 2
    assert len(DataLoader(_ds(), batch_size=4)) == 3


def test_shuffle_with_generator_is_reproducible_and_a_permutation():
    def order(seed):
        g = ember.Generator().manual_seed(seed)
        return [i for _, y in DataLoader(_ds(), batch_size=3, shuffle=True, generator=g)
                for i in y.tolist()]
    assert order(1) == order(1)
    assert sorted(order(1)) == list(range(10))
    assert order(1) != list(range(10))


def test_collate_structures():
    Pt = collections.namedtuple("Pt", "a b")
    out = default_collate([{"x": ember.ones(2), "n": 1, "f": 0.5, "s": "a", "p": Pt(1, 2.0)},
                           {"x": ember.zeros(2), "n": 2, "f": 1.5, "s": "b", "p": Pt(3, 4.0)}])
    assert tuple(out["x"].shape) == (2, 2)
    assert out["n"].dtype == ember.int64 and out["f"].dtype == ember.float64
    assert out["s"] == ["a", "b"] and isinstance(out["p"], Pt)
    arr = default_collate([np.ones(3, np.float32), np.zeros(3, np.float32)])
    assert arr.dtype == ember.float32 and tuple(arr.shape) == (2, 3)


def test_custom_dataset_sampler_and_collate():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return i * i
    dl = DataLoader(Squares(), batch_sampler=BatchSampler(SequentialSampler(range(5)), 2, False),
                    collate_fn=lambda b: sum(b))
    assert list(dl) == [1, 13, 16]
    assert list(DataLoader(Squares(), batch_size=None)) == [0, 1, 4, 9, 16]
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(Squares(), sampler=SequentialSampler(range(5)), shuffle=True)


def test_random_split_subset_concat():
    g = ember.Generator().manual_seed(0)
    a, b = random_split(_ds(), [7, 3], generator=g)
    assert len(a) == 7 and len(b) == 3
    assert sorted(a.indices + b.indices) == list(range(10))
    a, b, c = random_split(_ds(), [0.5, 0.3, 0.2], generator=g)
    assert (len(a), len(b), len(c)) == (5, 3, 2)
    with pytest.raises(ValueError):
        random_split(_ds(), [3, 3])
    cat = ConcatDataset([Subset(_ds(), [0, 1]), Subset(_ds(), [9])])
    assert len(cat) == 3 and cat[2][1].item() == 9 and cat[-1][1].item() == 9


def test_iterable_dataset():
    class Count(IterableDataset):
        def __iter__(self):
            return iter(range(7))
    assert [b.tolist() for b in DataLoader(Count(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]


def test_random_sampler_replacement():
    g = ember.Generator().manual_seed(3)
    idx = list(RandomSampler(range(4), replacement=True, num_samples=20, generator=g))
    assert len(idx) == 20 and set(idx) <= {0, 1, 2, 3}
