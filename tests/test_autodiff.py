"""Tests for course_lib.autodiff: gradients against central differences and Network."""

import numpy as np
import pytest

from course_lib import ACTIVATIONS, Network, check_gradient, log_softmax, softmax
from course_lib.autodiff import Tensor, softmax_cross_entropy, squared_error

NAMES = list(ACTIVATIONS)
RNG = np.random.default_rng(0)


def grad_of(build, *values):
    """The autodiff gradients of the scalar ``build(*tensors)`` at `values`."""
    leaves = [Tensor(v, requires_grad=True) for v in values]
    build(*leaves).backward()
    return [leaf.grad for leaf in leaves]


def value_of(build, *values):
    return float(build(*(Tensor(v) for v in values)).data)


class TestAgainstCentralDifferences:
    @pytest.mark.parametrize("name", NAMES)
    def test_every_activation(self, name):
        # away from the kinks, where central differences straddle the corner
        z = RNG.uniform(-3, 3, size=(4, 5))
        for kink in ACTIVATIONS[name].kinks:
            z[np.abs(z - kink) < 1e-3] += 2e-3
        weights = RNG.normal(size=z.shape)  # a scalar loss that sees every element

        def loss(z):
            return (z.activation(name) * weights).sum()

        (grad,) = grad_of(loss, z)
        result = check_gradient(lambda v: value_of(loss, v), grad, z)
        assert result, result
        assert result.max_rel_error < 1e-8, result  # measured: 1.2e-10 at worst (ELU)

    def test_activation_parameters_reach_the_derivative(self):
        z = np.array([-2.0, -0.5, 1.0])
        (grad,) = grad_of(lambda z: z.activation("leaky_relu", alpha=0.2).sum(), z)
        np.testing.assert_array_equal(grad, [0.2, 0.2, 1.0])  # the slopes, by hand

    @pytest.mark.parametrize("which", ["squared_error", "softmax_cross_entropy"])
    def test_both_losses_through_a_layer(self, which):
        x, W, b = RNG.normal(size=(6, 3)), RNG.normal(size=(3, 4)), RNG.normal(size=4)
        t = np.eye(4)[RNG.integers(0, 4, size=6)]

        def loss(W, b):
            z = Tensor(x) @ W + b
            if which == "squared_error":
                return squared_error(z.activation("sigmoid"), t)
            return softmax_cross_entropy(z, t)

        grads = grad_of(loss, W, b)
        for i, value in enumerate((W, b)):

            def f(v, i=i):
                args = [W, b]
                args[i] = v
                return value_of(loss, *args)

            result = check_gradient(f, grads[i], value.copy())
            assert result, (which, i, result)
            assert result.max_rel_error < 1e-8, (which, i, result)

    @pytest.mark.parametrize("method", ["softmax", "log_softmax"])
    def test_softmax_and_log_softmax(self, method):
        z = RNG.normal(size=(3, 5)) * 3
        weights = RNG.normal(size=z.shape)
        (grad,) = grad_of(lambda z: (getattr(z, method)() * weights).sum(), z)
        result = check_gradient(
            lambda v: value_of(lambda z: (getattr(z, method)() * weights).sum(), v), grad, z
        )
        assert result, result
        assert result.max_rel_error < 1e-8, result  # measured: 2.5e-10 (log_softmax)

    def test_forward_values_are_the_library_functions(self):
        z = RNG.normal(size=(2, 3))
        np.testing.assert_array_equal(Tensor(z).softmax().data, softmax(z))
        np.testing.assert_array_equal(Tensor(z).log_softmax(axis=0).data, log_softmax(z, 0))


class TestAgainstNetwork:
    @pytest.mark.parametrize(
        ("activations", "loss"),
        [(["tanh", "sigmoid"], "squared_error"), (["relu", "identity"], "softmax_cross_entropy")],
    )
    def test_equals_the_hand_written_backward(self, activations, loss):
        net = Network([3, 5, 2], activations, loss=loss, rng=1)
        x = RNG.normal(size=(7, 3))
        t = np.eye(2)[RNG.integers(0, 2, size=7)]
        expected = [g for pair in net.gradients(x, t) for g in pair]
        params = [Tensor(p, requires_grad=True) for p in net.params]
        h = Tensor(x)
        layers = zip(params[::2], params[1::2], strict=True)
        for (W, b), name in zip(layers, activations, strict=True):
            h = (h @ W + b).activation(name)
        total = squared_error(h, t) if loss == "squared_error" else softmax_cross_entropy(h, t)
        total.backward()
        assert float(total.data) == pytest.approx(net.loss(x, t), rel=1e-15)
        for got, want in zip(params, expected, strict=True):
            # the same products, summed in another order
            np.testing.assert_allclose(got.grad, want, rtol=1e-12, atol=1e-15)


class TestGraph:
    def test_a_value_used_twice_gets_both_contributions(self):
        # d(x * x)/dx = 2x and d(x + x)/dx = 2, by hand
        (grad,) = grad_of(lambda x: (x * x).sum(), np.array([3.0, -1.5]))
        np.testing.assert_array_equal(grad, [6.0, -3.0])
        (grad,) = grad_of(lambda x: (x + x).sum(), np.array([3.0, -1.5]))
        np.testing.assert_array_equal(grad, [2.0, 2.0])
        # a diamond: y = tanh(x); L = y * y + y, so dL/dy = 2y + 1 and dL/dx = (2y + 1) y'
        x = Tensor(0.5, requires_grad=True)
        y = x.activation("tanh")
        (y * y + y).backward()
        t = np.tanh(0.5)
        assert float(x.grad) == pytest.approx((2 * t + 1) * (1 - t**2), rel=1e-15)

    def test_broadcast_gradients_are_summed(self):
        x = np.arange(6.0).reshape(2, 3)
        gx, gb, gs = grad_of(lambda x, b, s: ((x + b) * s).sum(), x, np.zeros(3), 2.0)
        np.testing.assert_array_equal(gx, np.full((2, 3), 2.0))
        np.testing.assert_array_equal(gb, [4.0, 4.0, 4.0])  # summed over the 2 rows
        assert gs == x.sum()  # a scalar broadcast over all six
        (gc,) = grad_of(lambda c: (Tensor(x) * c).sum(), np.ones((2, 1)))
        np.testing.assert_array_equal(gc, [[3.0], [12.0]])  # over the kept axis

    def test_sum_over_an_axis_and_mean(self):
        x = RNG.normal(size=(3, 4))
        (grad,) = grad_of(lambda x: (x.sum(axis=0) * np.arange(4.0)).sum(), x)
        np.testing.assert_array_equal(grad, np.tile(np.arange(4.0), (3, 1)))
        (grad,) = grad_of(lambda x: x.mean(), x)
        np.testing.assert_array_equal(grad, np.full((3, 4), 1 / 12))

    def test_subtraction_and_reflected_operators(self):
        ga, gb = grad_of(lambda a, b: (2.0 * a - b + 1.0 - a * 3.0).sum(), np.ones(2), np.ones(2))
        np.testing.assert_array_equal(ga, [-1.0, -1.0])
        np.testing.assert_array_equal(gb, [-1.0, -1.0])
        (gx,) = grad_of(lambda x: (1.0 - x).sum(), np.ones(2))
        np.testing.assert_array_equal(gx, [-1.0, -1.0])

    def test_leaves_accumulate_over_backward_calls(self):
        x = Tensor([1.0, 2.0], requires_grad=True)
        (x * 3.0).sum().backward()
        (x * 3.0).sum().backward()
        np.testing.assert_array_equal(x.grad, [6.0, 6.0])

    def test_constants_get_no_gradient(self):
        x, c = Tensor([1.0], requires_grad=True), Tensor([2.0])
        (x * c).sum().backward()
        assert c.grad is None
        assert not c.requires_grad

    def test_a_deep_graph_needs_no_recursion(self):
        x = Tensor(0.1, requires_grad=True)
        y = x
        for _ in range(5000):
            y = y * 1.0
        y.backward()
        assert float(x.grad) == 1.0


class TestErrors:
    def test_backward_needs_a_scalar(self):
        with pytest.raises(ValueError, match=r"Tensor.backward: the output must be a scalar"):
            Tensor([1.0, 2.0], requires_grad=True).activation("tanh").backward()

    def test_backward_needs_something_to_differentiate(self):
        with pytest.raises(ValueError, match=r"Tensor\.backward: nothing here requires"):
            Tensor([1.0, 2.0]).sum().backward()

    def test_matmul_is_two_dimensional(self):
        with pytest.raises(ValueError, match=r"Tensor @: both operands must be 2-D"):
            Tensor(np.ones(3)) @ Tensor(np.ones((3, 2)))

    def test_bad_input_names_the_class(self):
        with pytest.raises(TypeError, match="Tensor: argument 'data' must be a real"):
            Tensor("1.0")
        with pytest.raises(TypeError, match="Tensor: requires_grad must be a bool"):
            Tensor(1.0, requires_grad="yes")
        with pytest.raises(ValueError, match="valid names are"):
            Tensor(1.0).activation("nonexistent")
