r"""A small reverse-mode automatic differentiation engine over NumPy arrays.

Backpropagation is reverse-mode autodiff on a computation graph. Every `Tensor` made
by an operation remembers its inputs (``_parents``) and a ``_backward`` closure that
adds *local derivative × upstream gradient* to each input's ``grad``.
`Tensor.backward` visits the graph in reverse topological order, so a node's gradient
is complete before it is passed on. A value used twice receives two contributions,
which ``+=`` adds up. The forward values are kept (``data``), because the local
derivatives need them.

The local derivatives are not written again here: an activation's comes from the
registry (`course_lib.registry`), softmax's vector-Jacobian product from
`course_lib.softmax.softmax_vjp`, and the losses' gradients from `course_lib.losses`.
Elementwise operations broadcast as NumPy does, and a gradient flowing back to a
broadcast input is summed over the axes it was broadcast along.

Examples
--------
One tanh neuron, :math:`y = \tanh(w x + b)`, with :math:`w = -3`, :math:`x = 2`,
:math:`b = 6.8814`:

>>> w, x, b = Tensor(-3.0, requires_grad=True), Tensor(2.0), Tensor(6.8814, True)
>>> y = (w * x + b).activation("tanh")
>>> y.backward()
>>> print(f"y = {y.data:.4f}, dy/dw = {w.grad:.4f}, dy/db = {b.grad:.4f}")
y = 0.7071, dy/dw = 1.0000, dy/db = 0.5000
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from . import losses
from ._arrays import as_float_array, check_axis
from .registry import get_activation
from .softmax import log_softmax, softmax, softmax_vjp

__all__ = ["Tensor", "softmax_cross_entropy", "squared_error"]


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` over the axes along which an input of `shape` was broadcast."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Tensor:
    """An array in a computation graph, with the gradient of a scalar result.

    Parameters
    ----------
    data : array_like
        The value: any real array (integers become float64), or a Tensor's ``data``.
    requires_grad : bool, optional
        Whether `backward` should compute ``grad`` for this tensor. A result requires
        it when any input does.

    Attributes
    ----------
    data : ndarray
        The value.
    grad : ndarray or None
        :math:`\\partial L/\\partial` ``data`` after ``L.backward()``, the shape of
        `data`; ``None`` for a tensor that does not require it. Leaves accumulate over
        several ``backward`` calls, as in PyTorch; set ``grad = None`` to start again.
    """

    __array_priority__ = 1000  # ndarray + Tensor calls Tensor.__radd__

    def __init__(
        self,
        data: ArrayLike,
        requires_grad: bool = False,
        _parents: tuple[Tensor, ...] = (),
        _op: str = "",
    ) -> None:
        if not isinstance(requires_grad, bool):
            raise TypeError(f"Tensor: requires_grad must be a bool; got {requires_grad!r}")
        value = data.data if isinstance(data, Tensor) else data
        self.data = np.array(as_float_array(value, "Tensor", "data"))  # an own 0-d+ array
        self.requires_grad: bool = requires_grad or any(p.requires_grad for p in _parents)
        self.grad: np.ndarray | None = None
        self._parents = _parents
        self._op = _op
        self._backward: Callable[[np.ndarray], None] = lambda upstream: None

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({np.array2string(self.data, precision=4)}{grad})"

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def _result(
        self,
        data: ArrayLike,
        parents: tuple[Tensor, ...],
        op: str,
        backward: Callable[[np.ndarray], None],
    ) -> Tensor:
        out = Tensor(data, _parents=parents, _op=op)
        out._backward = backward
        return out

    @staticmethod
    def _accumulate(node: Tensor, grad: np.ndarray) -> None:
        if node.requires_grad:
            grad = _unbroadcast(np.asarray(grad, dtype=node.data.dtype), node.shape)
            node.grad = grad.copy() if node.grad is None else node.grad + grad

    # -- arithmetic: each backward is local derivative × upstream ------------------------

    def __add__(self, other: ArrayLike | Tensor) -> Tensor:
        other = _as_tensor(other)

        def backward(upstream: np.ndarray) -> None:  # d(a + b)/da = d(a + b)/db = 1
            self._accumulate(self, upstream)
            self._accumulate(other, upstream)

        return self._result(self.data + other.data, (self, other), "+", backward)

    def __mul__(self, other: ArrayLike | Tensor) -> Tensor:
        other = _as_tensor(other)

        def backward(upstream: np.ndarray) -> None:  # d(ab)/da = b, d(ab)/db = a
            self._accumulate(self, other.data * upstream)
            self._accumulate(other, self.data * upstream)

        return self._result(self.data * other.data, (self, other), "*", backward)

    def __neg__(self) -> Tensor:
        return self * -1.0

    def __sub__(self, other: ArrayLike | Tensor) -> Tensor:
        return self + -_as_tensor(other)

    def __radd__(self, other: ArrayLike) -> Tensor:
        return self + other

    def __rmul__(self, other: ArrayLike) -> Tensor:
        return self * other

    def __rsub__(self, other: ArrayLike) -> Tensor:
        return _as_tensor(other) - self

    def __matmul__(self, other: ArrayLike | Tensor) -> Tensor:
        other = _as_tensor(other)
        a, b = self.data, other.data
        if a.ndim != 2 or b.ndim != 2:
            raise ValueError(
                f"Tensor @: both operands must be 2-D (rows of samples times a weight "
                f"matrix); got shapes {a.shape} and {b.shape}"
            )

        def backward(upstream: np.ndarray) -> None:  # C = AB: dL/dA = G Bᵀ, dL/dB = Aᵀ G
            self._accumulate(self, upstream @ b.T)
            self._accumulate(other, a.T @ upstream)

        return self._result(a @ b, (self, other), "@", backward)

    def __rmatmul__(self, other: ArrayLike) -> Tensor:
        return _as_tensor(other) @ self

    # -- reductions ----------------------------------------------------------------------

    def sum(self, axis: int | None = None) -> Tensor:
        """Sum over `axis` (all elements for ``None``); each input gets the upstream."""
        ax = None if axis is None else check_axis(axis, self.data.ndim, "Tensor.sum")

        def backward(upstream: np.ndarray) -> None:
            kept = upstream if ax is None else np.expand_dims(upstream, ax)
            self._accumulate(self, np.broadcast_to(kept, self.shape))

        return self._result(self.data.sum(axis=ax), (self,), "sum", backward)

    def mean(self) -> Tensor:
        """Mean of all elements: the sum divided by their number."""
        return self.sum() * (1.0 / max(self.data.size, 1))

    # -- activations and softmax ---------------------------------------------------------

    def activation(self, name: str, **params: Any) -> Tensor:
        """Apply a registry activation elementwise; its VJP is ``upstream * g'(z)``.

        The Jacobian of an elementwise function is the diagonal matrix
        :math:`\\operatorname{diag}(g'(z))`, so the vector-Jacobian product is the
        elementwise product :math:`u \\odot g'(z)`, with the registry's derivative.
        `params` (``alpha=0.2``, say) go to both the function and the derivative.
        """
        act = get_activation(name)
        z = self.data

        def backward(upstream: np.ndarray) -> None:
            self._accumulate(self, upstream * act.derivative(z, **params))

        return self._result(act.function(z, **params), (self,), name, backward)

    def softmax(self, axis: int = -1) -> Tensor:
        """Softmax along `axis`; its VJP is `softmax_vjp`: :math:`p (v - p \\cdot v)`."""
        p = softmax(self.data, axis=axis)

        def backward(upstream: np.ndarray) -> None:
            self._accumulate(self, softmax_vjp(p, upstream, axis=axis))

        return self._result(p, (self,), "softmax", backward)

    def log_softmax(self, axis: int = -1) -> Tensor:
        """Log-softmax along `axis`; its VJP is :math:`u - p \\sum u`."""
        out = log_softmax(self.data, axis=axis)

        def backward(upstream: np.ndarray) -> None:
            p = softmax(self.data, axis=axis)
            self._accumulate(self, upstream - p * upstream.sum(axis=axis, keepdims=True))

        return self._result(out, (self,), "log_softmax", backward)

    # -- the backward pass ---------------------------------------------------------------

    def _topological_order(self) -> list[Tensor]:
        """Every node this one depends on, each after all of its inputs."""
        order: list[Tensor] = []
        seen: set[int] = set()
        stack: list[tuple[Tensor, Iterator[Tensor]]] = [(self, iter(self._parents))]
        seen.add(id(self))
        while stack:  # depth-first, without recursion: deep graphs are fine
            node, parents = stack[-1]
            for parent in parents:
                if id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append((parent, iter(parent._parents)))
                    break
            else:
                order.append(node)
                stack.pop()
        return order

    def backward(self) -> None:
        """Fill in ``grad`` of every tensor this scalar depends on and that requires it."""
        if self.data.ndim != 0:
            raise ValueError(
                f"Tensor.backward: the output must be a scalar (a loss); got shape "
                f"{self.shape}: reduce it first, e.g. with .sum() or .mean()"
            )
        if not self.requires_grad:
            raise ValueError("Tensor.backward: nothing here requires a gradient")
        order = self._topological_order()
        for node in order:
            if node._parents:  # an intermediate: its gradient starts afresh each pass
                node.grad = None
        self._accumulate(self, np.ones_like(self.data))
        for node in reversed(order):  # outputs before inputs
            if node._parents and node.grad is not None:
                node._backward(node.grad)


def _as_tensor(x: ArrayLike | Tensor) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _constant(t: ArrayLike | Tensor) -> np.ndarray:
    """Targets are data: no gradient flows into them."""
    return t.data if isinstance(t, Tensor) else as_float_array(t, "autodiff loss", "t")


def squared_error(y: Tensor, t: ArrayLike | Tensor) -> Tensor:
    """:math:`\\frac12 \\sum (y - t)^2` as a scalar Tensor; its gradient is :math:`y - t`."""
    target = _constant(t)

    def backward(upstream: np.ndarray) -> None:
        y._accumulate(y, losses.squared_error_gradient(y.data, target) * upstream)

    return y._result(np.asarray(losses.squared_error(y.data, target)), (y,), "E", backward)


def softmax_cross_entropy(z: Tensor, t: ArrayLike | Tensor, axis: int = -1) -> Tensor:
    """Cross-entropy of targets `t` and ``softmax(z)``, summed; its gradient is p - t."""
    target = _constant(t)

    def backward(upstream: np.ndarray) -> None:
        grad = losses.softmax_cross_entropy_gradient(z.data, target, axis=axis)
        z._accumulate(z, grad * upstream)

    value = np.asarray(losses.softmax_cross_entropy(z.data, target, axis=axis))
    return z._result(value, (z,), "L", backward)
