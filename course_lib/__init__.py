"""Derivatives of commonly-used activation functions: the course's numerical library.

Every activation, its exact derivative and (where one exists) its derivative from the
output; the softmax with its Jacobian and vector-Jacobian product; losses; gradient
checks; a small network with a hand-written backward pass; and plots.
"""

from .checks import SelfCheck, check_my_derivative, check_my_gradient, check_my_jacobian
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
    "elu",
    "elu_derivative",
    "elu_derivative_from_output",
    "gelu",
    "gelu_derivative",
    "get_activation",
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
    "plot_activation",
    "plot_derivative_gallery",
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
    "softmax_jacobian",
    "softmax_vjp",
    "softplus",
    "softplus_derivative",
    "softplus_derivative_from_output",
    "squared_error",
    "squared_error_gradient",
    "tanh",
    "tanh_derivative",
    "tanh_derivative_from_output",
]
