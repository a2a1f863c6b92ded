r"""A small dense network with a hand-written backward pass, in the notebook's symbols.

Layer :math:`l` takes the row-batch :math:`x` (one sample per row), and computes

.. math:: z = x W + b, \qquad h = g(z),

with ``W`` of shape ``(n_in, n_out)``, ``b`` of shape ``(n_out,)`` and ``g`` any
activation of `course_lib.registry`; its output :math:`h` is the next layer's
:math:`x`. `Network.backward` applies the chain rule one equation per line; for
squared error the output layer's gradient is the article's
:math:`\partial E/\partial w_{jk} = (g(z_k) - t_k)\,g'(z_k)\,x_j`, summed over the batch.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> net = Network([2, 3, 1], ["tanh", "sigmoid"], rng=rng)
>>> net
Network([2, 3, 1], ['tanh', 'sigmoid'], loss='squared_error')
>>> x = rng.normal(size=(4, 2))
>>> t = np.array([[0.0], [1.0], [1.0], [0.0]])
>>> [g.shape for pair in net.gradients(x, t) for g in pair]
[(2, 3), (3,), (3, 1), (1,)]
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from ._arrays import as_float_array
from .losses import softmax_cross_entropy, softmax_cross_entropy_gradient, squared_error
from .registry import ACTIVATIONS, Activation, get_activation

__all__ = ["LOSSES", "Dense", "History", "Network"]

LOSSES = ("squared_error", "softmax_cross_entropy")
DERIVATIVE_FROM = ("z", "output")
DIVERGED = 1e6  # train stops once the mean loss grows this many times from its start


@dataclass
class Dense:
    """One dense layer: weights ``W`` (n_in, n_out), biases ``b`` (n_out,), activation name."""

    W: np.ndarray
    b: np.ndarray
    activation: str

    @property
    def g(self) -> Activation:
        """The layer's registry entry."""
        return get_activation(self.activation)


class Cache(NamedTuple):
    """What the forward pass keeps for the backward pass, per layer."""

    x: np.ndarray  # the layer's input
    z: np.ndarray  # pre-activation x W + b
    h: np.ndarray  # output g(z)


@dataclass
class History:
    """What `Network.train` records after each epoch, on the whole training set."""

    loss: np.ndarray  # (epochs,): the mean loss per sample
    grad_norms: np.ndarray  # (epochs, n_layers): Frobenius norm of each layer's mean grad_W


class Network:
    """A dense network trained by hand-written backpropagation.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths from input to output, e.g. ``[3, 4, 2]`` for 3 inputs, 4 hidden
        units and 2 outputs.
    activations : str or sequence of str
        Registry names, one per layer (``len(sizes) - 1``). A single name is used for
        every hidden layer and, with squared error, for the output layer too.
    loss : {"squared_error", "softmax_cross_entropy"}
        With ``"softmax_cross_entropy"`` the output layer is linear (``"identity"``)
        and the softmax is part of the loss, whose gradient is :math:`p - t`.
    rng : numpy.random.Generator or int or None
        Source of the initial weights (a seed is passed to `numpy.random.default_rng`).
        Weights are normal with variance :math:`2/n_{in}` (He) for the rectifiers and
        :math:`2/(n_{in} + n_{out})` (Glorot) otherwise; biases start at 0.
    derivative_from : {"z", "output"}
        How `backward` gets :math:`g'`: from the cached :math:`z` with ``derivative``
        (accurate), or from the cached output :math:`h` with ``derivative_from_output``
        (the article's cheap form; not every activation has one).

    Raises
    ------
    ValueError
        For an unknown activation, loss or `derivative_from`, a wrong number of
        activations, or ``derivative_from="output"`` with an activation that has no
        from-output form.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activations: str | Sequence[str],
        loss: str = "squared_error",
        rng: np.random.Generator | int | None = None,
        derivative_from: str = "z",
    ) -> None:
        for name, value in (("loss", loss), ("derivative_from", derivative_from)):
            if not isinstance(value, str):
                raise TypeError(f"Network: {name} must be a str; got {type(value).__name__}")
        if loss not in LOSSES:
            raise ValueError(
                f"Network: unknown loss {loss!r}; valid losses are: {', '.join(LOSSES)}"
            )
        if derivative_from not in DERIVATIVE_FROM:
            raise ValueError(
                f"Network: derivative_from must be 'z' or 'output'; got {derivative_from!r}"
            )
        sizes = _check_sizes(sizes)
        n_layers = len(sizes) - 1
        if isinstance(activations, str):
            output = "identity" if loss == "softmax_cross_entropy" else activations
            activations = [activations] * (n_layers - 1) + [output]
        if isinstance(activations, bytes) or not isinstance(activations, Sequence):
            raise TypeError(
                "Network: activations must be a registry name or a sequence of names; "
                f"got {type(activations).__name__}"
            )
        for name in activations:
            if not isinstance(name, str):
                raise TypeError(
                    f"Network: activation names must be str; got {type(name).__name__} "
                    f"{name!r} in {list(activations)!r}"
                )
        if len(activations) != n_layers:
            raise ValueError(
                f"Network: need one activation per layer ({n_layers}); got {len(activations)}: "
                f"{list(activations)!r}"
            )
        for name in activations:
            get_activation(name)  # a ValueError listing the valid names
        if loss == "softmax_cross_entropy" and activations[-1] != "identity":
            raise ValueError(
                "Network: with softmax_cross_entropy the output layer must be 'identity' "
                f"(the softmax is in the loss); got {activations[-1]!r}"
            )
        if derivative_from == "output":
            missing = [a for a in activations if ACTIVATIONS[a].derivative_from_output is None]
            if missing:
                raise ValueError(
                    "Network: derivative_from='output' needs a from-output derivative; "
                    f"{missing} have none"
                )
        rng = np.random.default_rng(rng)
        self.layers = []
        for n_in, n_out, name in zip(sizes[:-1], sizes[1:], activations, strict=True):
            # the registry's scheme: He for the rectifier family, Glorot for the rest
            var = 2 / n_in if ACTIVATIONS[name].init == "he" else 2 / (n_in + n_out)
            W = rng.normal(scale=np.sqrt(var), size=(n_in, n_out))
            self.layers.append(Dense(W, np.zeros(n_out), name))
        self.sizes = sizes
        self.loss_name = loss
        self.derivative_from = derivative_from
        self.cache: list[Cache] = []

    def __repr__(self) -> str:
        names = [layer.activation for layer in self.layers]
        return f"Network({list(self.sizes)}, {names}, loss={self.loss_name!r})"

    @property
    def params(self) -> list[np.ndarray]:
        """``[W1, b1, W2, b2, ...]``: the arrays themselves, so editing them edits the network."""
        return [p for layer in self.layers for p in (layer.W, layer.b)]

    def _check(self, a: ArrayLike, name: str, width: int) -> np.ndarray:
        a = as_float_array(a, f"Network.{name}", name)
        if a.ndim != 2 or a.shape[1] != width:
            raise ValueError(
                f"Network: {name} must have shape (n_samples, {width}); got {name}.shape={a.shape}"
            )
        return a

    def forward(self, x: ArrayLike) -> np.ndarray:
        """Run the network on the rows of `x` and cache each layer's (x, z, h).

        Returns the last layer's output ``h`` (the logits, for softmax cross-entropy).
        """
        x = self._check(x, "x", self.sizes[0])
        self.cache = []
        for layer in self.layers:
            z = x @ layer.W + layer.b
            h = np.asarray(layer.g.function(z))  # z is 2-D, so this is the array itself
            self.cache.append(Cache(x, z, h))
            x = h
        return x

    def _loss_of_output(self, h: np.ndarray, t: np.ndarray) -> float:
        if self.loss_name == "squared_error":
            return float(squared_error(h, t))
        return float(softmax_cross_entropy(h, t))

    def _check_targets(self, t: ArrayLike, x: np.ndarray) -> np.ndarray:
        t = self._check(t, "t", self.sizes[-1])
        if t.shape[0] != x.shape[0]:
            raise ValueError(
                "Network: t must have one row per sample of x; "
                f"got t.shape={t.shape} and x.shape={x.shape}"
            )
        return t

    def loss(self, x: ArrayLike, t: ArrayLike) -> float:
        """The loss of the rows of `x` against targets `t`, summed over the batch."""
        h = self.forward(x)
        return self._loss_of_output(h, self._check_targets(t, self.cache[0].x))

    def _g_prime(self, i: int) -> np.ndarray:
        """:math:`g'(z)` of layer `i`, from the cached z or the cached output h."""
        g, (_, z, h) = self.layers[i].g, self.cache[i]
        if self.derivative_from == "output":
            from_output = g.derivative_from_output
            if from_output is None:  # __init__ refuses these; only a layer edited since lands here
                raise ValueError(
                    "Network: derivative_from='output' needs a from-output derivative; "
                    f"layer {i % len(self.layers)} ({g.name!r}) has none"
                )
            return np.asarray(from_output(h))  # h and z are 2-D: arrays, never scalars
        return np.asarray(g.derivative(z))

    def backward(self, t: ArrayLike) -> list[tuple[np.ndarray, np.ndarray]]:
        """Gradients of the loss of the last `forward` batch: ``[(grad_W, grad_b), ...]``.

        Each ``grad_W`` is summed over the samples, like the loss.
        """
        if not self.cache:
            raise RuntimeError("Network.backward: needs a forward pass first")
        t = self._check_targets(t, self.cache[0].x)
        z_out, h_out = self.cache[-1].z, self.cache[-1].h
        if self.loss_name == "squared_error":
            delta = (h_out - t) * self._g_prime(-1)  # δ_k = (g(z_k) - t_k) g'(z_k)
        else:
            delta = softmax_cross_entropy_gradient(z_out, t)  # δ_k = p_k - t_k
        grads = []
        for i in reversed(range(len(self.layers))):  # delta is ∂E/∂z of layer i
            grad_W = self.cache[i].x.T @ delta  # ∂E/∂w_jk = Σ_samples x_j δ_k
            grad_b = delta.sum(axis=0)  # ∂E/∂b_k = Σ_samples δ_k
            grads.append((grad_W, grad_b))
            if i > 0:
                delta = (delta @ self.layers[i].W.T) * self._g_prime(i - 1)  # the delta rule
        return grads[::-1]

    def gradients(self, x: ArrayLike, t: ArrayLike) -> list[tuple[np.ndarray, np.ndarray]]:
        """`forward` then `backward`: per layer ``(grad_W, grad_b)`` of the summed loss."""
        self.forward(x)
        return self.backward(t)

    def sgd_step(self, grads: Sequence[tuple[np.ndarray, np.ndarray]], lr: float) -> None:
        """One step of gradient descent, in place: ``W -= lr * grad_W``, ``b -= lr * grad_b``."""
        for layer, (grad_W, grad_b) in zip(self.layers, grads, strict=True):
            layer.W -= lr * grad_W
            layer.b -= lr * grad_b

    def train(
        self,
        x: ArrayLike,
        t: ArrayLike,
        epochs: int,
        lr: float,
        batch_size: int | None = None,
        rng: np.random.Generator | int | None = None,
    ) -> History:
        """Minibatch SGD on the mean loss; record loss and gradient norms after each epoch.

        Each epoch shuffles the samples with `rng` and steps once per batch with the
        batch's mean gradient, so `lr` does not depend on `batch_size` (``None``: the
        whole set). The history is measured on the whole set after the epoch.

        Everything is checked before the first step: `epochs` and `batch_size` are
        positive ints, `lr` a finite real number > 0, and every value of `x` and `t`
        finite (a bad sample is named by its row). The network computes in float64, the
        dtype of its weights, so float32 data are promoted.

        Raises
        ------
        TypeError, ValueError
            For arguments of the wrong type or value.
        FloatingPointError
            When training diverges: the loss becomes non-finite or grows to more than
            ``DIVERGED`` (1e6) times its value before training, or an overflow occurs.
            The message names the epoch and the loss; try a smaller `lr`.
        """
        func = "Network.train"
        x = self._check(x, "x", self.sizes[0])
        t = self._check_targets(t, x)
        n = x.shape[0]
        epochs = _positive_int(epochs, "epochs", func)
        batch_size = n if batch_size is None else _positive_int(batch_size, "batch_size", func)
        lr = _positive_real(lr, "lr", func)
        for name, data in (("x", x), ("t", t)):
            bad = np.flatnonzero(~np.isfinite(data).all(axis=1))
            if bad.size:
                raise ValueError(
                    f"{func}: {name} must be finite; sample {bad[0]} ({name}[{bad[0]}] = "
                    f"{data[bad[0]]}) is not ({bad.size} bad samples in all)"
                )
        rng = np.random.default_rng(rng)
        loss = np.empty(epochs)
        grad_norms = np.empty((epochs, len(self.layers)))
        start_loss = self.loss(x, t) / n
        epoch = 0
        try:
            with np.errstate(over="raise", invalid="raise"):
                for epoch in range(epochs):
                    order = rng.permutation(n)
                    for start in range(0, n, batch_size):
                        rows = order[start : start + batch_size]
                        self.sgd_step(self.gradients(x[rows], t[rows]), lr / len(rows))
                    grads = self.gradients(x, t)
                    loss[epoch] = self._loss_of_output(self.cache[-1].h, t) / n
                    grad_norms[epoch] = [np.linalg.norm(grad_W) / n for grad_W, _ in grads]
                    grown = 0 < start_loss * DIVERGED < loss[epoch]
                    if grown or not np.isfinite(loss[epoch]):
                        raise FloatingPointError(f"the loss is {loss[epoch]:.3g}")
        except FloatingPointError as exc:
            raise FloatingPointError(
                f"{func}: diverged in epoch {epoch} of {epochs} ({exc}; it was "
                f"{start_loss:.3g} before training): try a smaller lr than {lr:g}"
            ) from None
        return History(loss, grad_norms)


def _check_sizes(sizes: object) -> tuple[int, ...]:
    """Layer widths as a tuple of positive ints, or a TypeError or ValueError."""
    if isinstance(sizes, str | bytes) or not isinstance(sizes, Sequence):
        raise TypeError(f"Network: sizes must be a sequence of ints; got {type(sizes).__name__}")
    for n in sizes:
        if isinstance(n, bool | np.bool_) or not isinstance(n, numbers.Integral):
            raise TypeError(
                f"Network: sizes must be ints; got {type(n).__name__} {n!r} in {list(sizes)!r}"
            )
    if len(sizes) < 2 or any(n < 1 for n in sizes):
        raise ValueError(f"Network: sizes must be at least two positive integers; got {sizes!r}")
    return tuple(int(n) for n in sizes)


def _positive_int(value: object, name: str, func: str) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{func}: {name} must be an int; got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{func}: {name} must be at least 1; got {value}")
    return int(value)


def _positive_real(value: object, name: str, func: str) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{func}: {name} must be a real number; got {type(value).__name__} {value!r}"
        )
    v = float(value)
    if not (np.isfinite(v) and v > 0):
        raise ValueError(f"{func}: {name} must be finite and > 0; got {value!r}")
    return v
