"""kswitch's Python core: keras.json, the backend registry, and switching Keras in-process.

Standard library only; importing it imports neither Keras nor any backend library.
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

__version__ = "0.1.0"
