"""Keras's own entry points in place of kswitch's wrappers (objects.py), and back: the anchor of
bench/objects.R's first figure, so both sides run in one process, call by call."""

import sys
from types import FunctionType


def wrapped_methods():
    """(class, name, kswitch's wrapper, Keras's own method) for every wrapped method."""
    found, seen, todo = [], set(), [object]
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        todo.extend(type.__subclasses__(cls))
        for name, fn in list(vars(cls).items()):
            # Only functions: other attributes may import when asked for one (lazy loaders).
            own = getattr(fn, "__kswitch_wrapped__", None) if type(fn) is FunctionType else None
            if own is not None:
                found.append((cls, name, fn, own))
    return found


def use(methods, wrapped):
    """Put kswitch's wrappers (``wrapped``) or Keras's own methods on the classes."""
    for cls, name, wrapper, own in methods:
        setattr(cls, name, wrapper if wrapped else own)
    return len(methods)


if __name__ == "__main__":
    sys.exit("imported by bench/objects.R")
