"""Switch the Keras 3 backend of a running Python in place: objects keep their backend,
settings are kept, keras.json is written atomically.

    >>> import kswitch
    >>> kswitch.use_backend("jax")          # this session only, like keras.config.set_backend()
    >>> kswitch.backend()
    'jax'
    >>> with kswitch.backend_scope("torch"):
    ...     ...                             # torch here; jax again after

In IPython and Jupyter: ``%load_ext kswitch``, then ``%keras_backend jax`` and
``%%keras_backend torch`` (see kswitch.magics).

The same code is kswitch's R package's core (api.py is what R calls). Standard library only;
importing it imports neither Keras, IPython nor any backend library.
"""

from .errors import (  # noqa: F401
    BackendElsewhereError,
    BackendUnavailableError,
    CarryFailedError,
    ConfigError,
    InvalidArgumentError,
    KerasUnavailableError,
    KswitchError,
    ModelNotBuiltError,
    NotSerializableError,
    NotSupportedError,
    SwitchFailedError,
    UnknownBackendError,
    WrongBackendError,
)
from .keras_compat import KerasChangedWarning  # noqa: F401
from .public import (  # noqa: F401
    BackendTable,
    backend,
    backend_scope,
    backends,
    carry_model,
    use_backend,
)

# Kept equal to DESCRIPTION's Version (tests/python/test_api_public.py checks it); the wheel's
# version is read from DESCRIPTION (hatch.toml).
__version__ = "0.1.0"

__all__ = ["use_backend", "backend", "backends", "backend_scope", "carry_model",
           "BackendTable", "KswitchError", "InvalidArgumentError", "UnknownBackendError",
           "ModelNotBuiltError", "WrongBackendError", "BackendUnavailableError",
           "BackendElsewhereError", "NotSupportedError", "SwitchFailedError",
           "CarryFailedError", "NotSerializableError", "KerasUnavailableError", "ConfigError",
           "KerasChangedWarning"]


def load_ipython_extension(ipython):  # noqa: ANN001 - IPython's InteractiveShell
    """``%load_ext kswitch``: register the ``%keras_backend`` magics (kswitch.magics)."""
    from . import magics
    magics.load(ipython)


def unload_ipython_extension(ipython):  # noqa: ANN001
    from . import magics
    magics.unload(ipython)
