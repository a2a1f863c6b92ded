"""Derivatives of commonly-used activation functions: the course's numerical library.

Every activation, its exact derivative and (where one exists) its derivative from the
output; the softmax with its Jacobian and vector-Jacobian product; losses; gradient
checks; a small network with a hand-written backward pass; and plots.
"""

__version__ = "0.1.0"  # defined here only: pyproject.toml reads it

from . import autodiff as autodiff  # the submodule: course_lib.autodiff.Tensor
from .checks import SelfCheck, check_my_derivative, check_my_gradient, check_my_jacobian
from .datasets import one_hot, spirals, two_moons
from .gradcheck import (
    GradientCheck,
    check_derivative,
    check_gradient,
    numerical_derivative,
    numerical_gradient,
    numerical_jacobian,
)
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_gradient,
    softmax_cross_entropy,
    softmax_cross_entropy_gradient,
    squared_error,
    squared_error_gradient,
)
from .network import Dense, History, Network
from .plotting import plot_activation, plot_derivative_gallery
from .precision import (
    correctly_rounded,
    first_zero,
    high_precision,
    relative_error,
    softmax_high_precision,
    threshold,
    ulp_error,
)
from .rectifiers import (
    elu,
    elu_derivative,
    elu_derivative_from_output,
    gelu,
    gelu_derivative,
    identity,
    identity_derivative,
    identity_derivative_from_output,
    leaky_relu,
    leaky_relu_derivative,
    leaky_relu_derivative_from_output,
    relu,
    relu_derivative,
    relu_derivative_from_output,
    silu,
    silu_derivative,
    softplus,
    softplus_derivative,
    softplus_derivative_from_output,
)
from .registry import ACTIVATIONS, Activation, get_activation
from .sigmoid import (
    log_sigmoid,
    logit,
    sigmoid,
    sigmoid_derivative,
    sigmoid_derivative_from_output,
)
from .softmax import log_softmax, logsumexp, softmax, softmax_jacobian, softmax_vjp
from .tanh import tanh, tanh_derivative, tanh_derivative_from_output

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "Dense",
    "GradientCheck",
    "History",
    "Network",
    "SelfCheck",
    "binary_cross_entropy",
    "binary_cross_entropy_gradient",
    "check_derivative",
    "check_gradient",
    "check_my_derivative",
    "check_my_gradient",
    "check_my_jacobian",
    "correctly_rounded",
    "elu",
    "elu_derivative",
    "elu_derivative_from_output",
    "first_zero",
    "gelu",
    "gelu_derivative",
    "get_activation",
    "high_precision",
    "identity",
    "identity_derivative",
    "identity_derivative_from_output",
    "leaky_relu",
    "leaky_relu_derivative",
    "leaky_relu_derivative_from_output",
    "log_sigmoid",
    "log_softmax",
    "logit",
    "logsumexp",
    "numerical_derivative",
    "numerical_gradient",
    "numerical_jacobian",
    "one_hot",
    "plot_activation",
    "plot_derivative_gallery",
    "relative_error",
    "relu",
    "relu_derivative",
    "relu_derivative_from_output",
    "sigmoid",
    "sigmoid_derivative",
    "sigmoid_derivative_from_output",
    "silu",
    "silu_derivative",
    "softmax",
    "softmax_cross_entropy",
    "softmax_cross_entropy_gradient",
    "softmax_high_precision",
    "softmax_jacobian",
    "softmax_vjp",
    "softplus",
    "softplus_derivative",
    "softplus_derivative_from_output",
    "spirals",
    "squared_error",
    "squared_error_gradient",
    "tanh",
    "tanh_derivative",
    "tanh_derivative_from_output",
    "threshold",
    "two_moons",
    "ulp_error",
]
