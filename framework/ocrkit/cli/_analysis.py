"""The page-analysis switches of ``ocrkit read`` and ``ocrkit batch``, named as
OCRmyPDF's users know them (docs/documents-and-formats.md, "Page analysis")."""

from __future__ import annotations

import argparse

from ..analysis import ROTATIONS, AnalysisSettings

__all__ = ["add_analysis_arguments", "analysis_settings"]

_DEFAULT = AnalysisSettings()


def add_analysis_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "page analysis", "turn pages upright and straighten them before the backend reads them (page layouts)")
    group.add_argument("--rotate-pages", action=argparse.BooleanOptionalAction, default=_DEFAULT.rotate_pages,
                       help="find each page's orientation (0/90/180/270) and turn it upright (default: on)")
    group.add_argument("--rotate-pages-threshold", type=float, default=_DEFAULT.rotate_pages_threshold, metavar="C",
                       help=f"confidence 0..1 needed to turn a page (default {_DEFAULT.rotate_pages_threshold:g})")
    group.add_argument("--deskew", action=argparse.BooleanOptionalAction, default=_DEFAULT.deskew,
                       help="straighten skewed pages (default: on)")
    group.add_argument("--deskew-threshold", type=float, default=_DEFAULT.deskew_threshold, metavar="DEG",
                       help=f"smallest skew straightened, in degrees (default {_DEFAULT.deskew_threshold:g})")
    group.add_argument("--rotation", type=int, choices=ROTATIONS, default=None,
                       help="force this orientation (the content's clockwise turn) instead of detecting it")
    group.add_argument("--skew", type=float, default=None, metavar="DEG",
                       help="force this skew (degrees, positive = lines run downhill) instead of measuring it")


def analysis_settings(args: argparse.Namespace) -> AnalysisSettings:
    """The settings the parsed arguments ask for (checked: a bad value is one line)."""
    return AnalysisSettings(
        rotate_pages=args.rotate_pages, rotate_pages_threshold=args.rotate_pages_threshold, deskew=args.deskew,
        deskew_threshold=args.deskew_threshold, rotation=args.rotation, skew=args.skew,
    )
