"""What a backend or model-pack plugin needs, in one import.

    from ocrkit.backend import hookimpl, BackendInfo, ModelRecord, ModelHandle, Page, Line, Word
"""

from __future__ import annotations

from ._digest import sha256_of
from ._memory import limit_malloc_arenas, open_files, release_memory, rss_bytes
from ._names import plain_name_problem, store_name_problem
from ._parallel import default_workers, parallel_map
from ._records import (
    LAYOUTS,
    MAX_LINE_ASPECT,
    SOURCE_PRECEDENCE,
    BackendInfo,
    HandleState,
    ModelHandle,
    ModelRecord,
    OptionSpec,
    shown_value,
)
from ._registry import ENTRY_POINT_GROUP
from ._staging import StagedEntry, staged_entry
from ._text_metrics import TextScore, score_text
from ._versions import distribution_files, installed_version
from .analysis import UPSIDE_DOWN_META
from .errors import (
    BackendUnavailableError,
    BadImageError,
    ImageTooLargeError,
    InvalidOptionError,
    ModelCorruptError,
    ModelNotFoundError,
    OcrkitError,
    ResourcesFreedError,
)
from .hookspecs import hookimpl
from .images import PageImage
from .results import Block, Line, Page, Word, union_bbox
from .store import ModelStore

__all__ = [
    "shown_value",
    "hookimpl",
    "BackendInfo",
    "OptionSpec",
    "ModelRecord",
    "ModelHandle",
    "HandleState",
    "PageImage",
    "Page",
    "Block",
    "Line",
    "Word",
    "union_bbox",
    "UPSIDE_DOWN_META",
    "plain_name_problem",
    "store_name_problem",
    "sha256_of",
    "staged_entry",
    "StagedEntry",
    "installed_version",
    "TextScore",
    "score_text",
    "distribution_files",
    "ENTRY_POINT_GROUP",
    "LAYOUTS",
    "SOURCE_PRECEDENCE",
    "MAX_LINE_ASPECT",
    "OcrkitError",
    "BackendUnavailableError",
    "BadImageError",
    "InvalidOptionError",
    "ModelCorruptError",
    "ModelNotFoundError",
    "ImageTooLargeError",
    "ResourcesFreedError",
    "ModelStore",
    "release_memory",
    "limit_malloc_arenas",
    "rss_bytes",
    "open_files",
    "parallel_map",
    "default_workers",
]
