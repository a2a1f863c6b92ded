"""Derivatives of commonly-used activation functions: the course's numerical library.

Every activation, its exact derivative and (where one exists) its derivative from the
output; the softmax with its Jacobian and vector-Jacobian product; losses; gradient
checks; a small network with a hand-written backward pass; and plots.
"""

__version__ = "0.1.0"  # defined here only: pyproject.toml reads it

from . import autodiff as autodiff  # the submodule: course_lib.autodiff.Tensor
from . import checks as _checks
from . import datasets as _datasets
from . import gradcheck as _gradcheck
from . import losses as _losses
from . import mish as _mish
from . import network as _network
from . import plotting as _plotting
from . import precision as _precision
from . import rectifiers as _rectifiers
from . import registry as _registry
from . import sigmoid as _sigmoid
from . import softmax as _softmax
from . import tanh as _tanh

# Every module's public names, and only those (each module's __all__ is the one list).
from .checks import *  # noqa: F403
from .datasets import *  # noqa: F403
from .gradcheck import *  # noqa: F403
from .losses import *  # noqa: F403
from .mish import *  # noqa: F403
from .network import *  # noqa: F403
from .plotting import *  # noqa: F403
from .precision import *  # noqa: F403
from .rectifiers import *  # noqa: F403
from .registry import *  # noqa: F403
from .sigmoid import *  # noqa: F403
from .softmax import *  # noqa: F403
from .tanh import *  # noqa: F403

__all__: list[str] = []
for _module in (
    _checks,
    _datasets,
    _gradcheck,
    _losses,
    _mish,
    _network,
    _plotting,
    _precision,
    _rectifiers,
    _registry,
    _sigmoid,
    _softmax,
    _tanh,
):
    __all__ += _module.__all__
