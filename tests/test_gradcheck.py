"""gradcheck / gradgradcheck: they pass correct gradients and catch wrong ones."""
import warnings

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck, GradcheckError


def _t(a, requires_grad=True):
    return ember.tensor(np.asarray(a), requires_grad=requires_grad)


def _x64(shape, seed=0):
    return _t(np.random.default_rng(seed).standard_normal(shape))


class Sigmoid(ember.autograd.Function):
    """Seed 001's custom sigmoid."""

    @staticmethod
    def forward(ctx, x):
        y = 1 / (1 + ember.exp(-x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        y, = ctx.saved_tensors
        return grad_output * y * (1 - y)


class WrongAtTwo(ember.autograd.Function):
    """sigmoid whose backward doubles the gradient of element 2 only."""

    @staticmethod
    def forward(ctx, x):
        y = 1 / (1 + ember.exp(-x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        y, = ctx.saved_tensors
        scale = np.ones(tuple(y.shape))
        scale[2] = 2.0
        return grad_output * y * (1 - y) * ember.tensor(scale)


class TwoOut(ember.autograd.Function):
    """(a * b, a + b) with a wrong gradient of output 1 with respect to b."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b, a + b

    @staticmethod
    def backward(ctx, g1, g2):
        a, b = ctx.saved_tensors
        return g1 * b + g2, g1 * a + 2 * g2


# ---------------------------------------------------------------- seed 001

def test_seed_sigmoid_passes_at_eps_1e3_and_in_float64():
    x = _x64((4, 5))
    assert gradcheck(Sigmoid.apply, (x,), eps=1e-3)
    assert gradcheck(Sigmoid.apply, (x,), eps=1e-4)
    assert gradcheck(Sigmoid.apply, (x,))


def test_seed_float32_fails_at_eps_1e4_but_passes_at_1e3():
    x32 = _t(np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert gradcheck(Sigmoid.apply, (x32,), eps=1e-3)
        assert not gradcheck(Sigmoid.apply, (x32,), eps=1e-4, raise_exception=False)
        with pytest.raises(GradcheckError):
            gradcheck(Sigmoid.apply, (x32,), eps=1e-4)


def test_float32_verdicts_match_torch():
    torch = pytest.importorskip("torch")

    class TSigmoid(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = 1 / (1 + torch.exp(-x))
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            y, = ctx.saved_tensors
            return g * y * (1 - y)

    data = np.random.default_rng(0).standard_normal((4, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for dtype, eps in [(np.float32, 1e-3), (np.float32, 1e-4), (np.float64, 1e-4)]:
            ours = gradcheck(Sigmoid.apply, (_t(data.astype(dtype)),), eps=eps,
                             raise_exception=False)
            theirs = torch.autograd.gradcheck(
                TSigmoid.apply, (torch.tensor(data.astype(dtype), requires_grad=True),),
                eps=eps, raise_exception=False)
            assert ours == theirs, (dtype, eps)


def test_warns_for_inputs_that_are_not_double():
    x32 = _t(np.ones(3, dtype=np.float32))
    with pytest.warns(UserWarning, match=r"Input #0 requires gradient and is not a double "
                                         r"precision floating point or complex"):
        gradcheck(ember.sin, (x32,), eps=1e-3, atol=1e-3, raise_exception=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gradcheck(ember.sin, (_x64(3),))


# ---------------------------------------------------------------- failures

def test_wrong_backward_raises_with_jacobians_and_worst_element():
    x = _x64(5)
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongAtTwo.apply, (x,))
    msg = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert msg.startswith("Jacobian mismatch for output 0 with respect to input 0,\nnumerical:")
    assert "\nanalytical:" in msg
    assert "output 0, input 0 at index (2, 2)" in msg
    y = 1 / (1 + np.exp(-x.detach().numpy()))
    expected = y[2] * (1 - y[2])
    assert f"absolute error {expected:.6g}" in msg
    assert msg.rstrip().endswith("relative error 1.")
    assert not gradcheck(WrongAtTwo.apply, (x,), raise_exception=False)


def test_mismatch_names_output_and_differentiable_input():
    a, b = _x64(3, 1), _x64(3, 2)
    with pytest.raises(GradcheckError, match="output 1 with respect to input 1,"):
        gradcheck(TwoOut.apply, (a, b))
    fixed = _t(np.arange(3.0), requires_grad=False)
    with pytest.raises(GradcheckError, match="output 1 with respect to input 0,"):
        gradcheck(TwoOut.apply, (fixed, b))


def test_first_line_of_message_matches_torch():
    torch = pytest.importorskip("torch")

    class TTwoOut(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b, a + b

        @staticmethod
        def backward(ctx, g1, g2):
            a, b = ctx.saved_tensors
            return g1 * b + g2, g1 * a + 2 * g2

    da, db = np.arange(1.0, 4.0), np.arange(2.0, 5.0)
    for ra in (True, False):
        with pytest.raises(GradcheckError) as ours:
            gradcheck(TwoOut.apply, (_t(da, ra), _t(db)))
        with pytest.raises(RuntimeError) as theirs:
            torch.autograd.gradcheck(TTwoOut.apply, (torch.tensor(da, requires_grad=ra),
                                                     torch.tensor(db, requires_grad=True)))
        assert str(ours.value).splitlines()[0] == str(theirs.value).splitlines()[0]


def test_fast_mode_passes_correct_and_fails_wrong_backward():
    ember.manual_seed(0)
    x = _x64((3, 4))
    assert gradcheck(Sigmoid.apply, (x,), fast_mode=True)
    assert gradcheck(lambda a, b: (a @ b).tanh(), (x, _x64((4, 2), 3)), fast_mode=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongAtTwo.apply, (_x64(5),), fast_mode=True)
    msg = str(info.value)
    assert "computed \nin fast mode" in msg
    assert "The max per-element difference (slow mode) is:" in msg
    assert "at index (2, 2)" in msg


def test_no_input_requires_grad_is_a_value_error():
    with pytest.raises(ValueError, match="gradcheck expects at least one input tensor to "
                                         "require gradient"):
        gradcheck(ember.sin, (_t(np.ones(2), requires_grad=False),))


def test_overlapping_input_is_rejected():
    x = _t(np.ones((1, 3))).expand(4, 3)
    with pytest.raises(RuntimeError, match="has a dimension with stride 0"):
        gradcheck(ember.sin, (x,))


def test_nondeterministic_backward_needs_nondet_tol():
    rng = np.random.default_rng(0)

    class Noisy(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 2 * x + ember.tensor(rng.uniform(-1e-9, 1e-9, tuple(x.shape)))

    x = _x64(4)
    with pytest.raises(GradcheckError, match="Backward is not reentrant"):
        gradcheck(Noisy.apply, (x,))
    assert gradcheck(Noisy.apply, (x,), nondet_tol=1e-7)


def test_backward_must_be_multiplied_by_grad_output():
    class Constant(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return ember.ones(3, dtype=ember.float64)

    with pytest.raises(GradcheckError, match="backward not multiplied by grad_output"):
        gradcheck(Constant.apply, (_x64(3),))


def test_undefined_output_gradient_must_act_as_zero():
    class Pair(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3            # fails when one of them is None

    class SafePair(Pair):
        @staticmethod
        def backward(ctx, g1, g2):
            total = None
            for g, k in ((g1, 2), (g2, 3)):
                if g is not None:
                    total = g * k if total is None else total + g * k
            return total

    x = _x64(3)
    with pytest.raises(GradcheckError, match="handle undefined output grads"):
        gradcheck(Pair.apply, (x,))
    assert gradcheck(Pair.apply, (x,), check_undefined_grad=False)
    assert gradcheck(SafePair.apply, (x,))


def test_grad_dtypes_are_checked_on_request():
    class Downcast(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return (g * 2).to(ember.float32)

    x = _x64(3)
    assert gradcheck(Downcast.apply, (x,), atol=1e-4)
    # as in PyTorch, the engine casts a Function's gradient to its input's dtype, so the
    # dtype check passes (torch.autograd.gradcheck returns True here too)
    assert gradcheck(Downcast.apply, (x,), atol=1e-4, check_grad_dtypes=True)
    (g,) = ember.autograd.grad(Downcast.apply(x).sum(), x)
    assert g.dtype == ember.float64


def test_function_without_differentiable_outputs():
    x = _x64(3)
    assert gradcheck(lambda a: (a > 0).to(ember.float64).detach(), (x,))
    with pytest.raises(GradcheckError, match="Numerical gradient for function expected to be "
                                             "zero"):
        gradcheck(lambda a: a.detach() * 2, (x,))


# ---------------------------------------------------------------- forward mode, batching

class ScaledExp(ember.autograd.Function):
    """exp with forward-mode and vmap support; ``jvp_scale`` breaks the forward rule."""
    jvp_scale = 1.0

    @staticmethod
    def forward(x):
        return ember.exp(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(output)
        ctx.save_for_forward(output)

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * y

    @staticmethod
    def jvp(ctx, t):
        y, = ctx.saved_tensors
        return t * y * ScaledExp.jvp_scale


def test_forward_ad_check():
    x = _x64((2, 3))
    assert gradcheck(lambda a, b: (a * b).sin(), (x, _x64((2, 3), 1)), check_forward_ad=True)
    assert gradcheck(ScaledExp.apply, (x,), check_forward_ad=True)

    class WrongJvp(ScaledExp):
        @staticmethod
        def jvp(ctx, t):
            y, = ctx.saved_tensors
            return t * y * 1.5

    with pytest.raises(GradcheckError, match="Jacobian computed with forward mode mismatch "
                                             "for output 0 with respect to input 0"):
        gradcheck(WrongJvp.apply, (x,), check_forward_ad=True, check_backward_ad=False)
    with pytest.raises(GradcheckError, match="computed with forward mode"):
        gradcheck(WrongJvp.apply, (x,), check_forward_ad=True, check_backward_ad=False,
                  fast_mode=True)


def test_batched_checks_use_vmap():
    x, y = _x64((2, 3)), _x64((2, 3), 1)
    assert gradcheck(lambda a, b: (a * b).exp().sum(1), (x, y), check_batched_grad=True,
                     check_forward_ad=True, check_batched_forward_grad=True)

    class Escapes(ember.autograd.Function):
        """Backward leaves ember for NumPy: right per sample, impossible under vmap."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return ember.tensor(g.detach().numpy() * 2 * x.detach().numpy())

    assert gradcheck(Escapes.apply, (x,))
    with pytest.raises(GradcheckError, match="batched"):
        gradcheck(Escapes.apply, (x,), check_batched_grad=True)


def test_option_consistency_is_asserted():
    x = _x64(2)
    with pytest.raises(AssertionError):
        gradcheck(ember.sin, (x,), check_backward_ad=False)
    with pytest.raises(AssertionError):
        gradcheck(ember.sin, (x,), check_batched_grad=True, check_backward_ad=False,
                  check_forward_ad=True)


# ---------------------------------------------------------------- second order

def test_gradgradcheck_passes_builtin_ops_and_custom_functions():
    ember.manual_seed(0)
    x, y = _x64((2, 3)), _x64((2, 3), 1)
    assert gradgradcheck(lambda a, b: (a * b).sin(), (x, y))
    assert gradgradcheck(lambda a: (a @ a.T).tanh(), (x,), gen_non_contig_grad_outputs=True)
    assert gradgradcheck(Sigmoid.apply, (x,))
    v = _x64((2, 3), 2)
    assert gradgradcheck(Sigmoid.apply, (x,), (v,), fast_mode=True)


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    class DetachedBackward(Sigmoid):
        @staticmethod
        def backward(ctx, grad_output):
            y, = ctx.saved_tensors
            y = y.detach()
            return grad_output * y * (1 - y)

    x = _x64(4)
    assert gradcheck(DetachedBackward.apply, (x,))
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        gradgradcheck(DetachedBackward.apply, (x,))
