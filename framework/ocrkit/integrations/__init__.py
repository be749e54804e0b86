"""Adapters that make ocrkit's engines usable inside other tools.

Each adapter is imported by the other tool (through its plugin mechanism) or by the
ocrkit command that needs it, never by ``import ocrkit``: the core does not depend
on any of those tools. :class:`EnginePool` is the engines the retrieval adapters
(``langchain``, ``llamaindex``, ``haystack``) share when given one pool.
"""

from ._reading import EnginePool

__all__ = ["EnginePool"]
