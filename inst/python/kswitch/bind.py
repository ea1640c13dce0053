"""What R asks before it binds a Python: run as ``python -m kswitch.bind``, with any Python.

One R session binds one Python, and Keras 3 and multi-backend Keras 2.3.1 live in different
environments. Before starting Python, R runs this (stdlib only, imports no Keras) to learn
which generation the session needs, so the rule stays here, in the registry:

    python -m kswitch.bind generation [BACKEND]   prints 2 or 3: the generation that has
        BACKEND, or, without it, the backend Keras would start on (KERAS_BACKEND, keras.json,
        "tensorflow")
    python -m kswitch.bind installed              prints JSON: this Python's Keras version
        and, per backend of its generation, [installed, version]
    python -m kswitch.bind call JSON   JSON is {"fn", "args", "kwargs", "session"}; prints
        {"value", "error"}: an entry point of the core that imports no Keras (the
        managed-Python requests), called as R's core_call() would, with the session's Python
        (``session``, see api.set_python_kind) named in its errors
"""

import json
import sys
from typing import Optional, Sequence

from . import registry, switch
from .errors import KswitchError


def generation_for(backend: Optional[str] = None) -> int:
    if not backend:
        try:
            backend = switch.active_backend()
        except KswitchError:  # an untrusted keras.json: the core reports it once bound
            return 3
    return registry.generation_of(backend) or 3


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["generation"] and len(args) <= 2:
        print(generation_for(args[1] if len(args) == 2 else None))
    elif args[:1] == ["call"] and len(args) == 2:
        from . import api
        request = json.loads(args[1])
        if request.get("session"):
            api.set_python_kind(**request["session"])
        out = api.r_call(request["fn"], *request.get("args", []), **request.get("kwargs", {}))
        print(json.dumps({"value": out["value"], "error": out["error"]}))
    elif args == ["installed"]:
        print(json.dumps(registry.installed_here()))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
