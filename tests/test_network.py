"""Tests for course_lib.network: backward against numerical gradients, the article's formula,
training and input validation."""

from __future__ import annotations

import re

import numpy as np
import pytest

from course_lib.gradcheck import check_gradient
from course_lib.network import Network
from course_lib.registry import ACTIVATIONS

NAMES = list(ACTIVATIONS)
WITH_OUTPUT_FORM = [n for n in NAMES if ACTIVATIONS[n].derivative_from_output is not None]
SIZES = [3, 4, 2]
N = 5
# Relative errors are measured against max(|a|, |n|, FLOOR): a central difference of a
# loss of size ~1 carries about 1e-11 of absolute rounding noise.
FLOOR = 1e-3


def _problem(loss: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A batch of 5 inputs and targets: one-hot classes for cross-entropy, values in (0, 1)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, SIZES[0]))
    if loss == "softmax_cross_entropy":
        t = np.eye(SIZES[-1])[rng.integers(SIZES[-1], size=N)]
    else:
        t = rng.uniform(0.1, 0.9, size=(N, SIZES[-1]))
    return x, t


def _network(hidden: str, output: str, loss: str, derivative_from: str = "z") -> Network:
    net = Network(SIZES, [hidden, output], loss=loss, rng=1, derivative_from=derivative_from)
    for layer in net.layers:  # non-zero biases, so their gradients are exercised too
        layer.b[...] = np.random.default_rng(2).normal(scale=0.5, size=layer.b.shape)
    return net


def _worst_error(net: Network, x: np.ndarray, t: np.ndarray) -> float:
    """Worst relative error of backward's gradients against central differences of the loss."""
    analytic = [g for pair in net.gradients(x, t) for g in pair]
    # check_gradient moves each element of the parameter array in place and restores it
    checks = [
        check_gradient(lambda _: net.loss(x, t), grad, param, floor=FLOOR)
        for param, grad in zip(net.params, analytic, strict=True)
    ]
    return max(c.max_rel_error for c in checks)


def _away_from_kinks(net: Network, x: np.ndarray) -> bool:
    net.forward(x)
    for layer, cache in zip(net.layers, net.cache, strict=True):
        for k in layer.g.kinks:
            if np.min(np.abs(cache.z - k)) < 1e-3:
                return False
    return True


# Every (hidden, output) pair, with g' from z; and with g' from the output where both have it.
PAIRS = [(h, o, "z") for h in NAMES for o in NAMES] + [
    (h, o, "output") for h in WITH_OUTPUT_FORM for o in WITH_OUTPUT_FORM
]
HIDDEN = [(h, "z") for h in NAMES] + [(h, "output") for h in WITH_OUTPUT_FORM]


class TestBackwardMatchesNumerical:
    @pytest.mark.parametrize(("hidden", "output", "derivative_from"), PAIRS)
    def test_squared_error(self, hidden, output, derivative_from):
        x, t = _problem("squared_error")
        net = _network(hidden, output, "squared_error", derivative_from)
        assert _away_from_kinks(net, x)
        assert _worst_error(net, x, t) < 1e-6

    @pytest.mark.parametrize(("hidden", "derivative_from"), HIDDEN)
    def test_softmax_cross_entropy(self, hidden, derivative_from):
        x, t = _problem("softmax_cross_entropy")
        net = _network(hidden, "identity", "softmax_cross_entropy", derivative_from)
        assert _away_from_kinks(net, x)
        assert _worst_error(net, x, t) < 1e-6

    def test_deeper_network(self):
        # three hidden layers: the delta rule applied repeatedly
        rng = np.random.default_rng(3)
        x, t = rng.normal(size=(N, 3)), rng.uniform(size=(N, 2))
        net = Network([3, 5, 4, 3, 2], ["tanh", "softplus", "sigmoid", "silu"], rng=4)
        assert _worst_error(net, x, t) < 1e-6

    def test_from_output_agrees_with_from_z(self):
        x, t = _problem("squared_error")
        from_z = _network("tanh", "sigmoid", "squared_error", "z").gradients(x, t)
        from_h = _network("tanh", "sigmoid", "squared_error", "output").gradients(x, t)
        for a, b in zip(from_z, from_h, strict=True):
            np.testing.assert_allclose(a[0], b[0], rtol=1e-12)
            np.testing.assert_allclose(a[1], b[1], rtol=1e-12)

    def test_from_output_is_the_articles_form(self):
        # derivative_from="output" uses p (1 - p) of the cached output: for z = 40,
        # p rounds to 1 and the gradient is exactly 0, where sigma'(40) = 4.2e-18 is not
        grads = {}
        for source in ("z", "output"):
            net = Network([1, 1], "sigmoid", rng=0, derivative_from=source)
            net.layers[0].W[...] = 40.0
            grads[source] = net.gradients(np.ones((1, 1)), np.zeros((1, 1)))[0][0][0, 0]
        assert grads["output"] == 0.0
        assert grads["z"] > 0.0


class TestArticleFormula:
    @pytest.mark.parametrize("g", ["sigmoid", "tanh", "softplus"])
    def test_output_layer_by_loops(self, g):
        # dE/dw_jk = (g(z_k) - t_k) g'(z_k) x_j, one sample, written out over j and k
        x, t = _problem("squared_error")
        x, t = x[:1], t[:1]
        net = _network("tanh", g, "squared_error")
        grad_W, grad_b = net.gradients(x, t)[-1]
        act = ACTIVATIONS[g]
        x_out = net.cache[-1].x[0]  # the output layer's inputs x_1 .. x_M
        W, b = net.layers[-1].W, net.layers[-1].b
        expected_W, expected_b = np.empty_like(W), np.empty_like(b)
        for k in range(W.shape[1]):
            z_k = sum(x_out[j] * W[j, k] for j in range(W.shape[0])) + b[k]
            for j in range(W.shape[0]):
                expected_W[j, k] = (act.function(z_k) - t[0, k]) * act.derivative(z_k) * x_out[j]
            expected_b[k] = (act.function(z_k) - t[0, k]) * act.derivative(z_k)  # x_j -> 1
        np.testing.assert_allclose(grad_W, expected_W, rtol=1e-13)
        np.testing.assert_allclose(grad_b, expected_b, rtol=1e-13)

    def test_batch_gradient_is_sum_of_samples(self):
        x, t = _problem("squared_error")
        net = _network("relu", "sigmoid", "squared_error")
        batch = net.gradients(x, t)
        per_sample = [net.gradients(x[i : i + 1], t[i : i + 1]) for i in range(N)]
        for layer, (grad_W, grad_b) in enumerate(batch):
            np.testing.assert_allclose(grad_W, sum(s[layer][0] for s in per_sample), rtol=1e-12)
            np.testing.assert_allclose(grad_b, sum(s[layer][1] for s in per_sample), rtol=1e-12)


def _two_moons(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles with noise; one-hot labels."""
    label = rng.integers(2, size=n)
    angle = rng.uniform(0, np.pi, size=n)
    x = np.column_stack([np.cos(angle) + label, np.sin(angle) * (1 - 2 * label) + 0.5 * label])
    x += rng.normal(scale=0.1, size=x.shape)
    return x, np.eye(2)[label]


class TestTrain:
    def test_loss_decreases_softmax(self):
        rng = np.random.default_rng(0)
        x, t = _two_moons(200, rng)
        net = Network([2, 16, 2], "tanh", loss="softmax_cross_entropy", rng=rng)
        history = net.train(x, t, epochs=150, lr=0.5, batch_size=20, rng=rng)
        assert history.loss[-1] < 0.5 * history.loss[0]
        accuracy = np.mean(net.forward(x).argmax(axis=1) == t.argmax(axis=1))
        assert accuracy > 0.95

    def test_xor_squared_error(self):
        x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        t = np.array([[0.0], [1.0], [1.0], [0.0]])
        net = Network([2, 8, 1], ["tanh", "sigmoid"], rng=0)
        history = net.train(x, t, epochs=2000, lr=2.0, rng=0)
        assert history.loss[-1] < 0.01
        np.testing.assert_array_equal(net.forward(x) > 0.5, t > 0.5)

    def test_deterministic_with_seed(self):
        x, t = _two_moons(50, np.random.default_rng(5))
        runs = []
        for _ in range(2):
            net = Network([2, 8, 2], "relu", loss="softmax_cross_entropy", rng=7)
            runs.append(net.train(x, t, epochs=5, lr=0.1, batch_size=10, rng=8))
        np.testing.assert_array_equal(runs[0].loss, runs[1].loss)
        np.testing.assert_array_equal(runs[0].grad_norms, runs[1].grad_norms)

    def test_history_shapes(self):
        x, t = _two_moons(30, np.random.default_rng(6))
        net = Network([2, 5, 4, 2], "sigmoid", loss="softmax_cross_entropy", rng=0)
        history = net.train(x, t, epochs=7, lr=0.1, batch_size=8, rng=0)
        assert history.loss.shape == (7,)
        assert history.grad_norms.shape == (7, 3)
        assert np.all(np.isfinite(history.grad_norms))
        assert np.all(history.grad_norms > 0)


class TestInit:
    def test_shapes_and_params(self):
        net = Network([3, 4, 2], "relu", rng=0)
        assert [p.shape for p in net.params] == [(3, 4), (4,), (4, 2), (2,)]
        assert net.params[0] is net.layers[0].W

    def test_scaling(self):
        # He (variance 2/n_in) for relu, Glorot (2/(n_in + n_out)) for tanh
        he = Network([400, 400], "relu", rng=0).layers[0].W
        glorot = Network([400, 400], "tanh", rng=0).layers[0].W
        assert he.var() == pytest.approx(2 / 400, rel=0.02)
        assert glorot.var() == pytest.approx(2 / 800, rel=0.02)

    def test_seeded(self):
        a = Network([3, 4, 2], "tanh", rng=np.random.default_rng(9)).params
        b = Network([3, 4, 2], "tanh", rng=9).params
        for p, q in zip(a, b, strict=True):
            np.testing.assert_array_equal(p, q)

    def test_repr(self):
        # the module docstring's example: sizes, activation names and the loss
        net = Network([2, 3, 1], ["tanh", "sigmoid"], rng=0)
        assert repr(net) == "Network([2, 3, 1], ['tanh', 'sigmoid'], loss='squared_error')"

    def test_softmax_output_layer_is_linear(self):
        net = Network([3, 4, 2], "tanh", loss="softmax_cross_entropy", rng=0)
        assert [layer.activation for layer in net.layers] == ["tanh", "identity"]


class TestValidation:
    def test_unknown_activation(self):
        with pytest.raises(ValueError, match="valid names are: identity, sigmoid"):
            Network([3, 2], ["ReLU"])

    def test_unknown_loss(self):
        with pytest.raises(ValueError, match="valid losses are: squared_error, softmax_cross"):
            Network([3, 2], "tanh", loss="hinge")

    def test_wrong_number_of_activations(self):
        with pytest.raises(ValueError, match="one activation per layer"):
            Network([3, 4, 2], ["tanh"])

    def test_softmax_needs_linear_output(self):
        with pytest.raises(ValueError, match=r"^Network: with softmax_cross_entropy the output"):
            Network([3, 2], ["sigmoid"], loss="softmax_cross_entropy")

    @pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "silu"])
    def test_output_form_missing(self, name):
        with pytest.raises(ValueError, match=f"^Network: derivative_from='output'.*{name}"):
            Network([3, 4, 2], [name, "sigmoid"], derivative_from="output")

    def test_bad_derivative_from(self):
        with pytest.raises(ValueError, match="derivative_from must be"):
            Network([3, 2], "tanh", derivative_from="h")

    @pytest.mark.parametrize("shape", [(5,), (5, 4), (1, 5, 3)])
    def test_bad_x(self, shape):
        net = Network(SIZES, "tanh", rng=0)
        expected = r"shape \(n_samples, 3\); got x.shape=" + re.escape(str(shape))
        with pytest.raises(ValueError, match=expected):
            net.forward(np.zeros(shape))

    def test_bad_t(self):
        net = Network(SIZES, "tanh", rng=0)
        x, _ = _problem("squared_error")
        with pytest.raises(ValueError, match=r"shape \(n_samples, 2\); got t.shape=\(5, 3\)"):
            net.gradients(x, np.zeros((5, 3)))
        with pytest.raises(
            ValueError,
            match=r"^Network: t must have one row per sample of x; got t.shape=\(4, 2\) and",
        ):
            net.gradients(x, np.zeros((4, 2)))

    def test_loss_and_train_check_rows(self):
        net = Network(SIZES, "tanh", rng=0)
        x, _ = _problem("squared_error")
        with pytest.raises(ValueError, match=r"got t.shape=\(4, 2\) and x.shape=\(5, 3\)"):
            net.loss(x, np.zeros((4, 2)))
        with pytest.raises(ValueError, match=r"got t.shape=\(4, 2\) and x.shape=\(5, 3\)"):
            net.train(x, np.zeros((4, 2)), epochs=1, lr=0.1)
        with pytest.raises(ValueError, match="batch_size must be at least 1"):
            net.train(x, np.zeros((5, 2)), epochs=1, lr=0.1, batch_size=0)

    def test_backward_before_forward(self):
        with pytest.raises(RuntimeError, match=r"^Network\.backward: needs a forward pass first"):
            Network(SIZES, "tanh", rng=0).backward(np.zeros((5, 2)))

    @pytest.mark.parametrize("name", ["x", "t"])
    def test_bad_type_names_the_argument(self, name):
        net = Network(SIZES, "tanh", rng=0)
        x, t = _problem("squared_error")
        args = {"x": x, "t": t, name: "abc"}
        with pytest.raises(TypeError, match=f"^Network.{name}: argument '{name}' must be"):
            net.gradients(args["x"], args["t"])
        with pytest.raises(TypeError, match=f"^Network.{name}: argument '{name}' must be"):
            net.train(args["x"], args["t"], epochs=1, lr=0.1)

    def test_layer_edited_to_one_without_an_output_form(self):
        # __init__ refuses gelu with derivative_from="output"; an edit afterwards is
        # caught by backward, naming the layer
        net = Network([3, 2], "tanh", rng=0, derivative_from="output")
        net.layers[0].activation = "gelu"
        x, t = _problem("squared_error")
        with pytest.raises(
            ValueError,
            match=r"^Network: derivative_from='output' needs a from-output derivative; "
            r"layer 0 \('gelu'\) has none",
        ):
            net.gradients(x, t)

    def test_sgd_step_needs_one_pair_per_layer(self):
        net = Network(SIZES, "tanh", rng=0)
        x, t = _problem("squared_error")
        grads = net.gradients(x, t)
        with pytest.raises(ValueError, match="zip"):
            net.sgd_step(grads[:1], 0.1)


class TestTrainRefusesNonsense:
    """Each bad argument is refused before the first step, naming train and the argument."""

    @pytest.fixture
    def setup(self):
        net = Network(SIZES, "tanh", rng=0)
        x, t = _problem("squared_error")
        return net, x, t, [p.copy() for p in net.params]

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"lr": float("nan")}, ValueError, "lr must be finite and > 0; got nan"),
            ({"lr": float("inf")}, ValueError, "lr must be finite and > 0; got inf"),
            ({"lr": -0.1}, ValueError, "lr must be finite and > 0; got -0.1"),
            ({"lr": 0}, ValueError, "lr must be finite and > 0; got 0"),
            ({"lr": "0.1"}, TypeError, "lr must be a real number; got str"),
            ({"lr": None}, TypeError, "lr must be a real number; got NoneType"),
            ({"lr": True}, TypeError, "lr must be a real number; got bool"),
            ({"epochs": 2.0}, TypeError, "epochs must be an int; got float"),
            ({"epochs": 0}, ValueError, "epochs must be at least 1; got 0"),
            ({"epochs": True}, TypeError, "epochs must be an int; got bool"),
            ({"batch_size": True}, TypeError, "batch_size must be an int; got bool"),
            ({"batch_size": 2.5}, TypeError, "batch_size must be an int; got float"),
            ({"batch_size": -1}, ValueError, "batch_size must be at least 1; got -1"),
        ],
    )
    def test_bad_hyperparameters(self, setup, kwargs, error, match):
        net, x, t, before = setup
        args = {"epochs": 1, "lr": 0.1, **kwargs}
        with pytest.raises(error, match=f"^Network.train: {re.escape(match)}"):
            net.train(x, t, **args)
        for p, q in zip(net.params, before, strict=True):
            np.testing.assert_array_equal(p, q)

    @pytest.mark.parametrize("name", ["x", "t"])
    @pytest.mark.parametrize("bad", [np.nan, np.inf])
    def test_non_finite_sample_is_named_by_its_row_before_any_update(self, setup, name, bad):
        net, x, t, before = setup
        data = {"x": x.copy(), "t": t.copy()}
        data[name][3, 1] = bad
        with pytest.raises(ValueError, match=rf"Network.train: {name} must be finite; sample 3 "):
            net.train(data["x"], data["t"], epochs=2, lr=0.1, batch_size=2, rng=0)
        for p, q in zip(net.params, before, strict=True):
            np.testing.assert_array_equal(p, q)

    def test_divergence_stops_with_epoch_and_loss(self):
        rng = np.random.default_rng(0)
        x = rng.normal(size=(64, 2))
        t = np.eye(2)[(x[:, 0] > 0).astype(int)]
        net = Network([2, 16, 2], "relu", loss="softmax_cross_entropy", rng=1)
        with pytest.raises(FloatingPointError, match=r"Network.train: diverged in epoch \d+ of"):
            net.train(x, t, epochs=50, lr=1e4, rng=0)

    @staticmethod
    def _line(t: float) -> tuple[Network, np.ndarray, np.ndarray]:
        """z = w x + b with w = b = 0, two samples x = 1 and targets t: the error starts at -t.

        The two samples are alike, so the mean loss is that of one; the summed loss is twice it.
        """
        net = Network([1, 1], "identity", rng=0)
        net.layers[0].W[...] = 0.0
        return net, np.ones((2, 1)), np.full((2, 1), t)

    def test_divergence_by_growth_names_epoch_and_loss(self):
        # by hand: one step maps the error e = w + b - t to e (1 - 2 lr) = -100 e with
        # lr = 50.5, all exact: e = -1, 100, -1e4, so the mean loss e**2 / 2 goes
        # 0.5 -> 5000 (1e4 times) -> 5e7 (1e8 times, beyond DIVERGED = 1e6) in epoch 1
        net, x, t = self._line(1.0)
        with pytest.raises(
            FloatingPointError,
            match=r"^Network.train: diverged in epoch 1 of 50 \(the loss is 5e\+07; "
            r"it was 0\.5 before training\)",
        ):
            net.train(x, t, epochs=50, lr=50.5, rng=0)

    def test_growth_to_exactly_diverged_times_is_not_divergence(self):
        # by hand: lr = 500.5 maps e = -1 to 1000 (exactly), a mean loss of 5e5, exactly
        # DIVERGED times 0.5: not more, so training goes on to epoch 1 (e = -1e6)
        net, x, t = self._line(1.0)
        with pytest.raises(
            FloatingPointError, match=r"diverged in epoch 1 of 50 \(the loss is 5e\+11"
        ):
            net.train(x, t, epochs=50, lr=500.5, rng=0)

    def test_a_small_start_loss_still_counts(self):
        # by hand: e = -1e-3 -> 0.1 -> -10: the mean loss 5e-7 -> 5e-3 -> 50 is beyond
        # 1e6 * 5e-7 = 0.5 in epoch 1, although 1e6 * 5e-7 is below 1
        net, x, t = self._line(1e-3)
        with pytest.raises(FloatingPointError, match="diverged in epoch 1 of 50"):
            net.train(x, t, epochs=50, lr=50.5, rng=0)

    def test_overflow_is_a_floating_point_error(self):
        # lr = 1e300 overflows W -= lr * grad_W in the first step: numpy raises (no warning)
        net, x, t = self._line(1.0)
        with pytest.raises(FloatingPointError, match=r"diverged in epoch 0 of 5 .*overflow"):
            net.train(x, t, epochs=5, lr=1e300, rng=0)

    def test_a_converging_run_is_not_stopped(self):
        rng = np.random.default_rng(0)
        x = rng.normal(size=(64, 2))
        t = np.eye(2)[(x[:, 0] > 0).astype(int)]
        net = Network([2, 16, 2], "relu", loss="softmax_cross_entropy", rng=1)
        history = net.train(x, t, epochs=20, lr=0.5, rng=0)
        assert history.loss[-1] < history.loss[0]

    def test_full_batch_epoch_is_one_mean_gradient_step(self):
        # the documented rule: batch_size=None steps once per epoch with the mean gradient,
        # so two networks from one seed agree after one epoch and one sgd_step of lr / n
        x, t = _problem("squared_error")
        net, twin = Network(SIZES, "tanh", rng=3), Network(SIZES, "tanh", rng=3)
        net.train(x, t, epochs=1, lr=0.5, rng=0)
        twin.sgd_step(twin.gradients(x, t), 0.5 / len(x))
        for a, b in zip(net.params, twin.params, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)

    def test_history_is_the_mean_over_samples(self):
        # History.loss: the summed loss / n; grad_norms: |mean grad_W|, both after the epoch
        x, t = _problem("squared_error")
        net = Network(SIZES, "tanh", rng=3)
        history = net.train(x, t, epochs=2, lr=0.5, rng=0)
        n = len(x)
        assert history.loss[-1] == net.loss(x, t) / n
        norms = [np.linalg.norm(gW) / n for gW, _ in net.gradients(x, t)]
        np.testing.assert_array_equal(history.grad_norms[-1], norms)


class TestConstructorRefusesNonsense:
    @pytest.mark.parametrize(
        ("sizes", "error", "match"),
        [
            ([2, 3.0, 1], TypeError, "sizes must be ints; got float 3.0"),
            ([2, True, 1], TypeError, "sizes must be ints; got bool"),
            ("23", TypeError, "sizes must be a sequence of ints; got str"),
            (5, TypeError, "sizes must be a sequence of ints; got int"),
            ([2], ValueError, "sizes must be at least two positive integers"),
            ([2, 0, 1], ValueError, "sizes must be at least two positive integers"),
        ],
    )
    def test_bad_sizes(self, sizes, error, match):
        with pytest.raises(error, match=f"^Network: {re.escape(match)}"):
            Network(sizes, "tanh")

    def test_numpy_int_sizes_are_ints(self):
        net = Network(np.array([2, 3, 1]).tolist(), "tanh", rng=0)
        assert net.sizes == (2, 3, 1)
        assert Network([np.int64(2), np.int32(1)], "tanh").sizes == (2, 1)

    @pytest.mark.parametrize(
        ("activations", "match"),
        [
            (b"tanh", "activations must be a registry name or a sequence of names; got bytes"),
            ([b"tanh", "sigmoid"], "activation names must be str; got bytes"),
            ([None, "sigmoid"], "activation names must be str; got NoneType"),
            (7, "activations must be a registry name or a sequence of names; got int"),
        ],
    )
    def test_bad_activation_names(self, activations, match):
        with pytest.raises(TypeError, match=f"^Network: {re.escape(match)}"):
            Network([3, 4, 2], activations)

    @pytest.mark.parametrize("field", ["loss", "derivative_from"])
    @pytest.mark.parametrize(("value", "type_name"), [(None, "NoneType"), (3, "int")])
    def test_bad_option_types(self, field, value, type_name):
        with pytest.raises(TypeError, match=f"^Network: {field} must be a str; got {type_name}$"):
            Network([3, 2], "tanh", **{field: value})
