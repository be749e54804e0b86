"""A planted leak in a real backend, to show the release check catches one.

Importing this module (the release measurement does, as a ``plugins`` entry, in
its own fresh interpreter; never import it in the test process) makes the onnx
backend's free keep every InferenceSession alive: ``free_resources()`` still
returns, the engine still says freed, but the sessions' memory stays resident,
exactly what a backend that forgets a reference does.
"""

from __future__ import annotations

from typing import Any

from ocrkit_onnx._pipeline import Pipeline

kept: list[Any] = []
_free = Pipeline.free


def _leaky_free(self: Pipeline) -> None:
    kept.extend(part.session for part in (self.detector, self.classifier, self.recognizer) if part is not None)
    _free(self)


Pipeline.free = _leaky_free  # type: ignore[method-assign]
