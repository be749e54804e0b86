"""Process isolation: ``ocrkit.open(backend, isolation="process")``.

``_engine`` is the caller's side (:class:`ProcessEngine`), ``_channel`` the socket
to one child and its reader thread, ``_child`` the server running in the child
process, ``_wire`` what crosses between them (the child's spec, errors, pixels,
plugins). The child imports the in-process engine; nothing here is imported by it.
"""

from __future__ import annotations

from ._channel import describe_exit
from ._engine import ProcessEngine

__all__ = ["ProcessEngine", "describe_exit"]
