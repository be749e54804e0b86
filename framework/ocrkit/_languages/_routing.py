"""``lang=`` -> the model to load, from what each backend's models declare
(:attr:`ModelRecord.languages`), the same way for every backend.

- A backend with the ``languages`` capability loads several models at once
  (tesseract's ``eng+deu``): each language gets its best reader, and the model
  is their names joined by ``+``.
- Any other backend needs one model reading every requested language: its
  default model when it does, else the most specialised one (fewest languages),
  store copies first (discovery order).
- An explicit ``model=`` is kept, and refused when it does not read the languages.
- When nothing installed reads them: :class:`LanguageNotAvailableError`, naming
  the catalogue models that would and the command that gets them.
"""

from __future__ import annotations

from collections.abc import Sequence

from .._records import BackendInfo, ModelRecord
from ..errors import InvalidOptionError, LanguageNotAvailableError
from ._catalogued import catalog_for_hints, readers_in_catalog
from ._codes import language_name

__all__ = ["choose_model", "usable", "describe"]


def usable(record: ModelRecord) -> bool:
    """A record that loads (not flagged corrupt or broken by discovery)."""
    return "error" not in record.extra and record.kind != "corrupt"


def describe(codes: Sequence[str]) -> str:
    """``fra (French)+kor (Korean)``: codes with their names, for messages."""
    return "+".join(f"{c} ({language_name(c)})" if language_name(c) != c else c for c in codes)


def _combines(info: BackendInfo) -> bool:
    return "languages" in info.capabilities


def _refuse_model(info: BackendInfo, model: str, missing: Sequence[str]) -> InvalidOptionError:
    return InvalidOptionError(
        f"{info.name} model {model!r} does not read {describe(missing)}; drop model= and lang= picks a model "
        "that does (`ocrkit languages` lists them)"
    )


def _not_available(info: BackendInfo, codes: Sequence[str], records: Sequence[ModelRecord]) -> LanguageNotAvailableError:
    """The one-line error: nothing installed reads *codes*; what would, and how to get it."""
    catalog = catalog_for_hints()
    ours = readers_in_catalog(catalog, codes, info.name) if catalog is not None else []
    together = " together" if len(codes) > 1 and not _combines(info) else ""
    message = f"no installed {info.name} model reads {describe(codes)}{together}"
    broken = next((r for r in records if not usable(r) and r.name in {e.name for e in ours}), None)
    if broken is not None:  # pulled, but it cannot load (a family set without its base set, say)
        message += f"; {broken.name} is installed but cannot load: {broken.extra.get('error', broken.kind)}"
    elif ours:
        message += f"; `ocrkit models pull {ours[0].name}` adds one"
        if len(ours) > 1:
            message += f" (also: {', '.join(e.name for e in ours[1:4])})"
    else:
        message += "; the model catalogue has none: put a model that reads it into the store or install a model pack"
    others = [e for e in readers_in_catalog(catalog, codes) if e.backend != info.name] if catalog is not None else []
    if others:
        message += f"; backend {others[0].backend!r} reads it after `ocrkit models pull {others[0].name}`"
    return LanguageNotAvailableError(
        message + " (see `ocrkit languages --available`)", languages=codes, pulls=[e.name for e in ours]
    )


def _check_explicit(info: BackendInfo, model: str, codes: Sequence[str], records: Sequence[ModelRecord]) -> str:
    """*model* as given, when it reads *codes*; a name discovery does not know is left to the backend."""
    parts = model.split("+") if _combines(info) else [model]
    named = [r for r in records if r.name in parts]
    if {r.name for r in named} != set(parts):
        return model  # the backend's own "model not found" (with the list of names) says it best
    read = {c for r in named for c in r.languages}
    missing = [c for c in codes if c not in read]
    if missing:
        raise _refuse_model(info, model, missing)
    return model


def _combined(info: BackendInfo, codes: Sequence[str], readers: Sequence[ModelRecord],
              records: Sequence[ModelRecord]) -> str:
    names: list[str] = []
    missing: list[str] = []
    for code in codes:
        candidates = [r for r in readers if code in r.languages]
        if not candidates:
            missing.append(code)
            continue
        best = next((r for r in candidates if r.name == code), candidates[0])
        if best.name not in names:
            names.append(best.name)
    if missing:
        raise _not_available(info, missing, records)
    return "+".join(names)


def _single(info: BackendInfo, codes: Sequence[str], readers: Sequence[ModelRecord],
            records: Sequence[ModelRecord]) -> str:
    wanted = set(codes)
    candidates = [r for r in readers if wanted <= set(r.languages)]
    if not candidates:
        raise _not_available(info, codes, records)
    for record in candidates:
        if record.name == info.default_model:
            return record.name
    return min(candidates, key=lambda r: len(r.languages)).name  # min keeps the first of equals


def choose_model(info: BackendInfo, records: Sequence[ModelRecord], codes: Sequence[str], model: str | None = None) -> str:
    """The ``model=`` that reads *codes* on *info*'s backend, from its discovered *records*
    (best source first). See the module docstring for the rules."""
    ours = [r for r in records if r.backend == info.name]
    if model is not None:
        return _check_explicit(info, model, codes, ours)
    readers = [r for r in ours if usable(r) and r.languages]
    return _combined(info, codes, readers, ours) if _combines(info) else _single(info, codes, readers, ours)
