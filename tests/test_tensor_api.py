"""The Tensor object's API: construction, conversion, metadata, creation functions, new_*,
to(), fills, pickling and memory sharing."""
import copy
import pickle
import warnings

import numpy as np
import pytest

import ember

# Expressions evaluated with T = ember and T = torch: the results (or the exception type and
# message) must be identical.
SAME = """T.tensor(3).dtype
T.tensor(3.).dtype
T.tensor(True).dtype
T.tensor([1, 2.]).dtype
T.tensor([[1, 2.5], [True, 3]]).tolist()
T.tensor([T.tensor(1), T.tensor(2)]).dtype
T.tensor([T.tensor(1.), T.tensor(2)]).dtype
T.tensor([T.tensor(1., dtype=T.float64), T.tensor(2)]).dtype
T.tensor([T.tensor(1, dtype=T.int32), 2]).dtype
T.tensor([T.tensor(1, dtype=T.int8), T.tensor(1, dtype=T.uint8)]).dtype
T.tensor([T.tensor(True), 2]).dtype
T.tensor([[T.tensor(1.), 2.]]).shape
T.tensor([T.tensor([1.]), T.tensor([2.])]).tolist()
T.tensor([T.tensor([1., 2]), T.tensor([3., 4])])
T.tensor(np.float64(3)).dtype
T.tensor(np.int32(3)).dtype
T.tensor([np.float32(1.5)]).dtype
T.tensor([np.float16(1), 2]).dtype
T.tensor(np.array([1, 2], dtype=np.int32)).dtype
T.tensor([np.array([1, 2.]), np.array([3, 4])]).dtype
T.tensor(np.array([[1, 2], [3, 4]]).T).stride()
T.tensor(np.array([1., 2])[::-1])
T.tensor(np.array([1.], dtype='>f8'))
T.tensor([1 + 2j]).dtype
T.tensor([]).dtype
T.tensor([]).shape
T.tensor([[], []]).shape
T.tensor([[1, 2], [3]])
T.tensor([[1, 2], [3, 4, 5]])
T.tensor([[[1], [2]], [[3], [4, 5]]])
T.tensor([[1, 2], 3])
T.tensor('a')
T.tensor([1, 'a'])
T.tensor(None)
T.tensor([None])
T.tensor([2 ** 63])
T.tensor([-2 ** 63]).tolist()
T.tensor((1, 2)).dtype
T.tensor(range(3)).tolist()
T.tensor([1, 2], dtype=T.float64).dtype
T.tensor(3, dtype=float).dtype
T.tensor([1.7, -2.7], dtype=T.int64).tolist()
T.tensor([1, 2], dtype=T.bool).tolist()
T.tensor([1], requires_grad=True)
T.tensor([1.], requires_grad=True).requires_grad
T.tensor([1], dtype=T.int32).requires_grad_()
T.tensor([1], dtype=T.int32).requires_grad_(False).requires_grad
(T.tensor([1.], requires_grad=True) * 2).requires_grad_(False)
T.tensor([1, 2]).size()
T.tensor([1, 2]).size(0)
T.tensor([1, 2]).size(-1)
T.tensor([1, 2]).size(2)
T.tensor(1.).size(0)
T.tensor(1.).stride(0)
T.tensor([[1.]]).size('a')
T.tensor([[1, 2]]).stride()
T.tensor([[1, 2]]).t().stride()
T.tensor([[1, 2]]).t().is_contiguous()
T.tensor([[1, 2], [3, 4]])[1].storage_offset()
T.zeros(3, 4)[::2, 1:].stride()
T.zeros(3, 4)[::2, 1:].storage_offset()
T.zeros(3, 4)[::2, 1:].is_contiguous()
T.zeros(3, 4)[1:, 2:][1:].storage_offset()
T.zeros(3, 4).t().contiguous().is_contiguous()
T.zeros(1, 4).t().is_contiguous()
T.zeros(4, 1)[:, 0].is_contiguous()
T.zeros(0, 4).t().is_contiguous()
T.zeros(2, 1, 3).transpose(0, 1).stride()
T.zeros(3, 4).expand(2, 3, 4).is_contiguous()
T.zeros(3, 1).expand(3, 4).stride()
T.zeros(2, 3)[:, 1].storage_offset()
T.zeros(2, 3).detach().storage_offset()
T.from_numpy(np.arange(5.)[2:]).storage_offset()
T.tensor([1, 2]).numel()
T.tensor([1, 2]).element_size()
T.tensor([1., 2]).element_size()
T.tensor([1 + 1j]).element_size()
T.tensor([1., 2]).dim()
T.tensor([[1., 2]]).ndim
T.tensor(1.).item()
T.tensor([1.5]).item()
T.tensor([1.5, 2]).item()
T.tensor([1.5, 2]).tolist()
T.tensor(1.5).tolist()
T.tensor([[1, 2]], dtype=T.uint8).tolist()
float(T.tensor([1.5, 2]))
int(T.tensor([1.5, 2]))
int(T.tensor([2.9]))
float(T.tensor([]))
int(T.tensor(float('nan')))
int(T.tensor(float('inf')))
float(T.tensor(1 + 2j))
int(T.tensor(1 + 2j))
complex(T.tensor(2))
bool(T.tensor([1.5, 2]))
bool(T.tensor([]))
bool(T.tensor(float('nan')))
bool(T.tensor([0.]))
len(T.tensor(1.))
len(T.tensor([[1, 2], [3, 4], [5, 6]]))
list(T.tensor(1.))
[x.tolist() for x in T.tensor([[1, 2], [3, 4]])]
T.tensor(2).__index__()
T.tensor(2.5).__index__()
[10, 20][T.tensor(1)]
format(T.tensor(1.5), '.2f')
format(T.tensor(2, dtype=T.int32), '03d')
format(T.tensor(1.5))
format(T.tensor([1.5]), '.2f')
T.tensor([1.], requires_grad=True).numpy()
np.asarray(T.tensor([1.], requires_grad=True))
float(T.tensor([1.], requires_grad=True))
T.tensor([1.], requires_grad=True).tolist()
T.tensor([1.], requires_grad=True).is_leaf
(T.tensor([1.], requires_grad=True) * 2).is_leaf
T.tensor([1.], requires_grad=True).detach().is_leaf
T.tensor([1.], requires_grad=True).detach().requires_grad
T.tensor([1.], requires_grad=True).data.requires_grad
T.tensor([1.], requires_grad=True).grad
T.tensor([1.], requires_grad=True).grad_fn
T.tensor([[1., 2]]).T.shape
T.tensor([[[1., 2]]]).mT.shape
T.tensor([1., 2]).is_floating_point()
T.tensor([1, 2]).is_floating_point()
T.tensor([1 + 1j]).is_complex()
T.tensor([1, 2]).float().dtype
T.tensor([1, 2]).double().dtype
T.tensor([1, 2]).half().dtype
T.tensor([1.7, 2]).long().tolist()
T.tensor([1.7, 2]).int().dtype
T.tensor([1.7, 0]).bool().tolist()
T.tensor([1, 2]).type_as(T.tensor([1.])).dtype
T.tensor([1., 2.]).type()
T.tensor([1., 2.]).type(T.float64).dtype
T.tensor([1., 2.]).type('torch.DoubleTensor').dtype
T.tensor([1, 2]).to(T.float64).dtype
T.tensor([1, 2]).to('cpu').dtype
T.tensor([1, 2]).to('cpu', T.float16).dtype
T.tensor([1, 2]).to(T.device('cpu'), dtype=T.float16).dtype
T.tensor([1, 2]).to(T.tensor([1.])).dtype
T.tensor([1, 2]).to(dtype=T.float64).dtype
T.tensor([1, 2]).to(float).dtype
(lambda a: a.to(T.int64) is a)(T.tensor([1, 2]))
(lambda a: a.to(T.int64, copy=True) is a)(T.tensor([1, 2]))
(lambda a: a.to('cpu', copy=True) is a)(T.tensor([1, 2]))
(lambda a: a.cpu() is a)(T.tensor([1, 2]))
(lambda a: a.to(T.tensor([1]), False, True) is a)(T.tensor([1, 2]))
(lambda a: a.to(T.int64, False, False) is a)(T.tensor([1, 2]))
(T.tensor([1.], requires_grad=True).to(T.float64) * 1).grad_fn.name()
T.tensor([1, 2]).device
T.device('cpu')
T.device('cpu') == 'cpu'
str(T.device('cpu'))
T.Size([2, 3])
T.Size([2, 3]).numel()
T.Size([2, 3])[1:]
T.Size([2, 3]) == (2, 3)
T.Tensor(2, 3).shape
T.Tensor([1, 2]).dtype
T.Tensor().shape
T.Tensor(T.Size([2, 1])).shape
T.zeros(2, 3).dtype
T.zeros((2, 3)).shape
T.zeros([2, 3]).shape
T.zeros(T.Size([2, 3])).shape
T.zeros(size=(2, 3)).shape
T.zeros(2, 3, dtype=T.int32).dtype
T.zeros(2, -3)
T.ones(-1)
T.empty(-1)
T.ones(2.5)
T.ones(2, dtype=T.bool).tolist()
T.ones(2, requires_grad=True)
T.ones(2, dtype=T.int64, requires_grad=True)
T.full((2,), 3).dtype
T.full((2,), 3.).dtype
T.full((2,), True).dtype
T.full((2,), 1 + 1j).dtype
T.full((2,), T.tensor(1.5)).tolist()
T.full([2], 1.5, dtype=T.int64).tolist()
T.full((-1,), 2)
T.empty(2, 3).shape
T.empty(0).shape
T.eye(3).tolist()
T.eye(2, 3).shape
T.eye(3, dtype=T.bool).tolist()
T.eye(-1)
T.arange(5).tolist()
T.arange(1., 4.).tolist()
T.arange(1., 4.).dtype
T.arange(0, 1, 0.1).shape
T.arange(0.5 * 0.0025, 1 + 0.5 * 0.0025, 0.0025).shape
T.arange(0, 1, 0.3).tolist()
T.arange(10, 0, -3).tolist()
T.arange(0, 10, -1)
T.arange(0, 10, 0)
T.arange(0, 1, 0.3, dtype=T.int64)
T.arange(0.5, 5, dtype=T.int64).tolist()
T.arange(float('inf'))
T.arange(5, dtype=T.float32).tolist()
T.arange(T.tensor(5)).dtype
T.arange(T.tensor(5.)).dtype
T.arange(T.tensor(5., dtype=T.float64)).dtype
T.arange(np.float64(5.)).dtype
T.arange(0, 5, 2.).dtype
T.linspace(0, 1, 5).tolist()
T.linspace(0, 1, 5).dtype
T.linspace(0, 10, 5, dtype=T.int64).tolist()
T.linspace(-3, 10, 7, dtype=T.int64).tolist()
T.linspace(0, 1, 1).tolist()
T.linspace(0, 1, 0).tolist()
T.linspace(0, 1, -1)
T.linspace(T.tensor(0.), T.tensor(1.), 3).tolist()
T.linspace(0, 1 + 1j, 3).dtype
T.logspace(0, 2, 3).tolist()
T.logspace(0, 3, 4, dtype=T.int64).tolist()
T.logspace(0, 1, 3, base=2).dtype
T.zeros_like(T.tensor([1, 2])).dtype
T.ones_like(T.tensor([1, 2]), dtype=T.float32).dtype
T.zeros_like(T.tensor([1., 2]), requires_grad=True)
T.full_like(T.tensor([1, 2]), 2.7).tolist()
T.full_like(T.tensor([1., 2]), T.tensor(3.)).tolist()
T.empty_like(T.tensor([1, 2])).shape
T.tensor([1, 2]).new_zeros(3).dtype
T.tensor([1, 2]).new_zeros(2, 3).shape
T.tensor([1, 2]).new_ones((2, 3)).shape
T.tensor([1, 2]).new_full((2,), 5.5).tolist()
T.tensor([1., 2]).new_full((2,), T.tensor(3.)).tolist()
T.tensor([1, 2]).new_empty(2).dtype
T.tensor([1., 2]).new_empty((2, 3), dtype=T.int32).shape
T.tensor([1, 2]).new_tensor([1.5]).dtype
T.tensor([1., 2], dtype=T.float64).new_tensor([1]).dtype
T.tensor([1., 2]).new_zeros(2, dtype=T.int32).dtype
T.tensor([1., 2]).new_ones(2, requires_grad=True)
T.tensor([1., 2]).zero_().tolist()
T.tensor([1., 2]).fill_(3).tolist()
T.tensor([1., 2]).fill_(T.tensor(3.)).tolist()
T.tensor([1, 2]).fill_(2.7).tolist()
T.tensor([1, 2]).fill_(T.tensor(3.5)).tolist()
T.tensor([True]).fill_(3).tolist()
T.tensor([1., 2]).fill_(T.tensor([3.]))
T.tensor([1., 2], requires_grad=True).fill_(1.)
(T.tensor([1.], requires_grad=True) * 2).zero_()
(T.tensor([1.], requires_grad=True) * 2).fill_(3)
(T.tensor([1.], requires_grad=True) * 2).fill_(T.tensor(3.))
T.tensor([1.]).fill_(T.tensor(3., requires_grad=True))
T.as_tensor([1, 2]).dtype
T.as_tensor([1, 2], dtype=T.float64)
T.as_tensor(np.array([1., 2])).dtype
T.asarray([1, 2.]).dtype
T.asarray(3.5)
T.asarray(np.array([1, 2.])).dtype
T.asarray([1, 2], dtype=T.float64)
T.asarray(T.tensor([1., 2]), dtype=T.float64, copy=False)
T.asarray(np.array([1, 2]), copy=False, dtype=T.float32)
T.asarray([T.tensor(1.), T.tensor(2)])
T.from_numpy(np.array([1, 2]))
T.from_numpy(np.array(3))
T.from_numpy(np.array([1, 2])[::2]).stride()
T.from_numpy(np.array([1, 2])[::-1])
T.from_numpy(np.array([1.], dtype='>f8'))
T.from_numpy([1])
T.from_dlpack(np.arange(3)).tolist()
copy.deepcopy(T.tensor([1., 2], requires_grad=True)).requires_grad
copy.deepcopy(T.tensor([1.], requires_grad=True) * 2)
pickle.loads(pickle.dumps(T.tensor([1., 2], requires_grad=True))).requires_grad
pickle.loads(pickle.dumps(T.tensor([1., 2], dtype=T.float64)))
pickle.loads(pickle.dumps(T.tensor([1.], requires_grad=True) * 2))
pickle.loads(pickle.dumps(T.zeros(3, 4)[:, 1]))""".split("\n")


def _run(T, expr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return repr(eval(expr, {"T": T, "np": np, "copy": copy, "pickle": pickle}))
        except Exception as e:                     # the exception is part of the contract
            return f"{type(e).__name__}: {e}"


@pytest.mark.parametrize("expr", SAME)
def test_same_as_torch(expr):
    torch = pytest.importorskip("torch")
    assert _run(ember, expr) == _run(torch, expr)


# ---------------------------------------------------------------- without the oracle

def test_from_numpy_shares_memory_both_ways():
    a = np.arange(4.)
    t = ember.from_numpy(a)
    a[0] = 10.
    assert t[0].item() == 10.
    t.add_(1.)
    assert a.tolist() == [11., 2., 3., 4.]
    assert np.shares_memory(t.numpy(), a)
    assert np.shares_memory(np.asarray(t), a)


def test_tensor_copies_and_as_tensor_shares():
    a = np.arange(3.)
    t = ember.tensor(a)
    a[0] = 5.
    assert t[0].item() == 0.
    s = ember.as_tensor(a)
    a[1] = 7.
    assert s[1].item() == 7.
    x = ember.tensor([1., 2.])
    assert ember.as_tensor(x) is x and ember.asarray(x) is x


def test_dlpack_zero_copy():
    a = np.arange(6.).reshape(2, 3)
    t = ember.from_dlpack(a)
    a[1, 1] = -1.
    assert t[1, 1].item() == -1.
    b = np.from_dlpack(t)
    b[0, 0] = 9.
    assert a[0, 0] == 9.
    u = ember.from_dlpack(t)
    assert np.shares_memory(u.numpy(), a)
    with pytest.raises(RuntimeError, match="Can't export tensors that require gradient"):
        ember.tensor([1.], requires_grad=True).__dlpack__()


def test_numpy_requires_grad_message():
    with pytest.raises(RuntimeError) as e:
        ember.tensor([1.], requires_grad=True).numpy()
    assert str(e.value) == ("Can't call numpy() on Tensor that requires grad. Use "
                            "tensor.detach().numpy() instead.")


def test_array_protocol():
    t = ember.tensor([1, 2])
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert not np.shares_memory(np.array(t), t.numpy())
    with pytest.raises(ValueError):
        np.asarray(t, dtype=np.float64, copy=False)


def test_pickle_keeps_subclass_and_attributes():
    class Sub(ember.Tensor):
        pass
    t = ember.tensor([1., 2.])
    t.__class__ = Sub
    t.tag = "x"
    globals()["Sub"] = Sub
    Sub.__qualname__ = "Sub"
    try:
        u = pickle.loads(pickle.dumps(t))
    finally:
        del globals()["Sub"]
    assert type(u) is Sub and u.tag == "x" and u.tolist() == [1., 2.]


def test_deepcopy_is_independent_and_keeps_grad():
    x = ember.tensor([1., 2.], requires_grad=True)
    (x * 3).sum().backward()
    y = copy.deepcopy(x)
    assert y.requires_grad and y.grad.tolist() == [3., 3.]
    y.data.add_(1.)
    assert x.tolist() == [1., 2.]


def test_fill_gradient_flows_to_value():
    v = ember.tensor(2., requires_grad=True)
    x = ember.zeros(3)
    x.fill_(v)
    assert x.grad_fn.name() == "FillBackward3"
    (x * ember.tensor([1., 2., 3.])).sum().backward()
    assert v.grad.item() == 6.


def test_zero_fill_under_vmap():
    from ember.func import vmap

    def f(x, v):
        y = x.clone()
        y.fill_(v)
        z = x.clone()
        z.zero_()
        return y, z
    x = ember.arange(6.).reshape(2, 3)
    y, z = vmap(f)(x, ember.tensor([7., 8.]))
    assert y.tolist() == [[7.] * 3, [8.] * 3] and z.tolist() == [[0.] * 3] * 2


def test_item_inside_grad_reads_primal():
    from ember.func import grad
    seen = []

    def f(x):
        seen.append((x.item(), float(x), x.tolist()))
        return x * x
    assert grad(f)(ember.tensor(3.)).item() == 6.
    assert seen == [(3., 3., 3.)]


def test_tensor_of_wrapper_is_detached_copy():
    from ember.func import vmap
    with pytest.warns(UserWarning, match="To copy construct from a tensor"):
        out = vmap(lambda x: ember.tensor(x, dtype=ember.float64) * 2)(ember.arange(3.))
    assert out.dtype is ember.float64 and out.tolist() == [0., 2., 4.]


def test_out_argument():
    out = ember.empty(2, 3)
    r = ember.zeros(2, 3, out=out)
    assert r is out and out.tolist() == [[0.] * 3] * 2
    ember.arange(4, out=out)
    assert out.shape == (4,) and out.dtype is ember.float32
