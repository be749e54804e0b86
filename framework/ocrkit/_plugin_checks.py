"""Checks on what plugins hand back: the core treats every hook's answer as untrusted.

Each function returns the reason an answer is unusable (``None`` when it is fine) or
raises :class:`PluginError`; the registry turns that into a one-line error naming
the plugin and the hook, so a careless backend never reaches a user as a traceback
or as results that lie (boxes outside the image, confidences above 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._names import plain_name_problem
from ._records import SOURCE_PRECEDENCE, BackendInfo, ModelRecord, OptionSpec
from .errors import PluginError
from .images import PageImage
from .results import Block, Line, Page, PageAnalysis, Word

__all__ = ["backend_info_problem", "record_problem", "checked_pages", "analysis_problem", "REQUIRED_BACKEND_HOOKS"]

#: Hooks a plugin that describes a backend must implement; without them the
#: backend could be listed ``ok`` and then fail on first use. ``ocrkit_free_model``
#: is optional: without it the registry calls ``handle.state.free()``.
REQUIRED_BACKEND_HOOKS = ("ocrkit_load_model", "ocrkit_recognize")


def _type_name(value: object) -> str:
    return type(value).__name__


def backend_info_problem(info: BackendInfo) -> str | None:
    """Why *info* cannot describe a backend (``None`` if it can)."""
    problem = plain_name_problem(info.name)
    if problem:
        return f"backend name {info.name!r} is not usable: {problem}"
    if not isinstance(info.version, str):
        return f"BackendInfo.version is {_type_name(info.version)}, not str"
    for field_name in ("capabilities", "model_formats", "options", "requires"):
        value = getattr(info, field_name)
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            return f"BackendInfo.{field_name} must be a collection, not {_type_name(value)}"
    bad_options = [o for o in info.options if not isinstance(o, OptionSpec)]
    if bad_options:
        return f"BackendInfo.options holds {_type_name(bad_options[0])} ({bad_options[0]!r}), not OptionSpec"
    bad_words = [c for c in (*info.capabilities, *info.requires, *info.model_formats) if not isinstance(c, str)]
    if bad_words:
        return f"BackendInfo capabilities, requires and model_formats must be strings, not {_type_name(bad_words[0])}"
    return None


def record_problem(record: object, backend: str) -> str | None:
    """Why *record* is not a usable discovery answer for *backend* (``None`` if it is).

    Records for other backends are fine (a model pack may answer for several);
    the registry keeps only *backend*'s."""
    if not isinstance(record, ModelRecord):
        return f"returned {_type_name(record)}, not ModelRecord"
    if record.backend != backend:
        return None
    problem = plain_name_problem(record.name)
    if problem:
        return f"returned a record named {record.name!r}: {problem}"
    if not isinstance(record.path, Path):
        return f"returned record {record.name!r} whose path is {_type_name(record.path)}, not pathlib.Path"
    bad_files = [f for f in record.files if not isinstance(f, Path)]
    if bad_files:
        return f"returned record {record.name!r} whose files hold {_type_name(bad_files[0])}, not pathlib.Path"
    if record.source not in SOURCE_PRECEDENCE:
        return f"returned record {record.name!r} with source {record.source!r}; use one of {', '.join(SOURCE_PRECEDENCE)}"
    if not isinstance(record.size, int) or record.size < 0:
        return f"returned record {record.name!r} with size {record.size!r}; give a byte count >= 0"
    if not isinstance(record.languages, tuple) or not all(isinstance(c, str) and c for c in record.languages):
        return f"returned record {record.name!r} with languages {record.languages!r}; give a tuple of codes such as ('eng',)"
    return None


def _confidence_problem(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"confidence is {_type_name(value)}, not a number"
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        return f"confidence {value!r} is outside 0..1"
    return None


def _bbox_problem(bbox: object, width: int, height: int) -> str | None:
    if not isinstance(bbox, (tuple, list)) or len(bbox) != 4:
        return f"bbox {bbox!r} is not four integers (x0, y0, x1, y1)"
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in bbox):
        return f"bbox {tuple(bbox)!r} holds non-integers"
    x0, y0, x1, y1 = bbox
    if not (0 <= x0 <= x1 <= width and 0 <= y0 <= y1 <= height):
        return f"bbox {tuple(bbox)!r} is not inside the {width}x{height} image"
    return None


def _item_problem(item: Any, kind: type[Block | Line | Word], width: int, height: int) -> str | None:
    if not isinstance(item, kind):
        return f"a {kind.__name__} slot holds {_type_name(item)} ({item!r:.40})"
    if not isinstance(item, Block):
        if not isinstance(item.text, str):
            return f"{kind.__name__}.text is {_type_name(item.text)}, not str"
        problem = _confidence_problem(item.confidence)
        if problem:
            return f"{kind.__name__} {item.text!r:.40}: {problem}"
    return _bbox_problem(item.bbox, width, height)


def _page_problem(page: object, image: PageImage) -> str | None:
    if not isinstance(page, Page):
        return f"holds {_type_name(page)}, not Page"
    if (page.width, page.height) != (image.width, image.height):
        return f"a Page of {page.width}x{page.height} for a {image.width}x{image.height} image"
    if not isinstance(page.text, str):
        return f"Page.text is {_type_name(page.text)}, not str"
    if not isinstance(page.blocks, list):
        return f"Page.blocks is {_type_name(page.blocks)}, not a list of Block"
    for block in page.blocks:
        problem = _item_problem(block, Block, page.width, page.height)
        if problem:
            return problem
        for line in block.lines:
            problem = _item_problem(line, Line, page.width, page.height)
            if problem:
                return problem
            for word in line.words:
                problem = _item_problem(word, Word, page.width, page.height)
                if problem:
                    return problem
    return None


def checked_pages(answer: object, images: Sequence[PageImage], where: str) -> list[Page]:
    """*answer* of ``ocrkit_recognize`` if it is one valid Page per image, in order.

    :raises PluginError: naming *where* (the plugin and hook) and what is wrong.
    """
    count = len(images)
    if answer is None:
        raise PluginError(f"{where} returned None for {count} image(s); it must return a list of Page, one per image")
    if isinstance(answer, (str, bytes, Page)) or not isinstance(answer, Sequence):
        raise PluginError(f"{where} returned {_type_name(answer)}; it must return a list of Page, one per image")
    if len(answer) != count:
        raise PluginError(f"{where} returned {len(answer)} results for {count} image(s)")
    for index, (page, image) in enumerate(zip(answer, images)):
        problem = _page_problem(page, image)
        if problem:
            raise PluginError(f"{where} returned an invalid result for image {index + 1} of {count}: {problem}")
    return list(answer)


#: Skew beyond this is not skew (the page-analysis hook's answers are checked against it).
_MAX_ANALYSED_SKEW = 45.0


def analysis_problem(answer: object) -> str | None:
    """Why *answer* of ``ocrkit_analyse_page`` is unusable (``None`` if it is fine)."""
    if not isinstance(answer, PageAnalysis):
        return f"returned {_type_name(answer)}, not PageAnalysis"
    if isinstance(answer.rotation, bool) or answer.rotation not in (0, 90, 180, 270):
        return f"rotation {answer.rotation!r} is not one of 0, 90, 180, 270"
    problem = _confidence_problem(answer.rotation_confidence)
    if problem:
        return f"rotation_confidence: {problem}"
    skew = answer.skew
    if skew is not None and (
        isinstance(skew, bool) or not isinstance(skew, (int, float)) or not math.isfinite(skew)
        or abs(skew) > _MAX_ANALYSED_SKEW
    ):
        return f"skew {skew!r} is not a number of degrees within +-{_MAX_ANALYSED_SKEW:g}"
    if not isinstance(answer.analyser, str):
        return f"analyser is {_type_name(answer.analyser)}, not str"
    return None
