"""kswitch's exceptions: one small hierarchy, each class mapped to one R condition class.

Every error carries what a user needs to act: the argument and value at fault, what is
valid, and the fix. The R side turns ``to_dict()`` into a classed ``rlang`` condition.
"""

import json


def show(value):
    """A value as a user would type it (strings quoted, None as NULL)."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return repr(value)


class KswitchError(Exception):
    """Base class; ``r_class`` is the R condition class of each subclass."""

    r_class = "kswitch_error"

    def __init__(self, message, problem=None, valid=None, fix=None, argument=None,
                 value=None, path=None):
        super().__init__(message)
        self.message = message
        self.problem = problem
        self.valid = valid
        self.fix = fix
        self.argument = argument
        self.value = value
        self.path = path

    def r_classes(self):
        """R classes, most specific first, from this class's ancestry."""
        return [c.__dict__["r_class"] for c in type(self).__mro__ if "r_class" in c.__dict__]

    def to_dict(self):
        bullets = [["x", self.problem], ["i", self.valid], ["i", self.fix]]
        return {
            "classes": self.r_classes(),
            "message": self.message,
            "bullets": [b for b in bullets if b[1]],
            "argument": self.argument,
            "value": self.value if isinstance(self.value, (str, int, float, bool)) else None,
            "path": self.path,
        }

    def __str__(self):
        lines = [self.message] + [b[1] for b in self.to_dict()["bullets"]]
        return "\n".join(lines)

    def surfaced(self):
        """This error, for raising where R gets it through reticulate as a Python exception
        (in a method a user calls) rather than through ``r_call``: reticulate names an R
        condition after its exception's classes, and a class whose ``__module__`` is empty by
        its bare name, so this copy's classes carry the R class chain."""
        cls = type(self)
        if "_surfaced" not in cls.__dict__:
            marks = tuple(type(r, (), {"__module__": ""}) for r in self.r_classes())
            cls._surfaced = type(cls.__name__, marks + (cls,), {"__module__": cls.__module__})
        copy = cls._surfaced.__new__(cls._surfaced)
        copy.__dict__.update(self.__dict__)
        copy.args = self.args
        return copy


class InvalidArgumentError(KswitchError, ValueError):
    """An argument's value is outside what Keras accepts."""

    r_class = "kswitch_error_invalid_argument"


class UnknownBackendError(InvalidArgumentError):
    """A backend name that is not in the allowlist."""

    r_class = "kswitch_error_backend_unknown"


class ModelNotBuiltError(InvalidArgumentError):
    """A Keras model whose weights do not exist yet (never built or called)."""

    r_class = "kswitch_error_model_not_built"


class WrongBackendError(InvalidArgumentError):
    """Objects of two Keras backends combined (an optimizer of one in another's model)."""

    r_class = "kswitch_error_wrong_backend"


class BackendUnavailableError(KswitchError):
    """A known backend whose library is not installed in this Python."""

    r_class = "kswitch_error_backend_unavailable"


class BackendElsewhereError(BackendUnavailableError):
    """A backend of the other Keras generation, which lives in another Python environment."""

    r_class = "kswitch_error_backend_elsewhere"


class NotSupportedError(KswitchError):
    """Something the current backend cannot do."""

    r_class = "kswitch_error_not_supported"


class SwitchFailedError(KswitchError):
    """Keras failed to load on the new backend; the session was put back."""

    r_class = "kswitch_error_switch_failed"


class CarryFailedError(KswitchError):
    """A model could not be carried to another backend; the session was put back."""

    r_class = "kswitch_error_carry_failed"


class NotSerializableError(CarryFailedError):
    """A model part (a custom layer, loss, ...) Keras cannot save, or the target backend cannot
    load because it is not registered there."""

    r_class = "kswitch_error_not_serializable"


class KerasUnavailableError(KswitchError):
    """Keras itself cannot be imported in this Python."""

    r_class = "kswitch_error_keras_unavailable"


class ConfigError(KswitchError):
    """keras.json cannot be read, parsed, validated or written."""

    r_class = "kswitch_error_config"


class InstallError(KswitchError):
    """Building a Python environment failed."""

    r_class = "kswitch_error_install"
