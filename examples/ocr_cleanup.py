#!/usr/bin/env python3
"""Tidy a backend's model store: the classic OCR maintenance script, on ocrkit.

    python examples/ocr_cleanup.py                 # the tesseract store in $OCRKIT_HOME
    python examples/ocr_cleanup.py --backend onnx
    python examples/ocr_cleanup.py --demo          # a throw-away store seeded with old_ copies

It opens the backend, lists the model files in its store directory, deletes the
ones named ``old_*`` (printing ``Deleted old_...``), prints the model directory,
audits what is left (OLD or CURRENT, with full paths), and frees the engine.

The engine is opened with ``lazy=True``: tidying files needs no model in memory,
and a loaded model could not be deleted anyway (``ModelInUseError``). On an empty
store every step still runs and says there is nothing to do. ``--demo`` never
touches your store: it works on a temporary store seeded with a real model file
(a copy of what discovery finds) under its own and an ``old_`` name, so you can
watch a deletion happen, and removes that store at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import ocrkit


def seed_demo_store(backend: str, home: Path) -> None:
    """Seed *home* with one discovered model twice: as is and as ``old_``."""
    with ocrkit.open(backend, store=home, lazy=True) as probe:
        store = Path(probe.get_local_path())
        records = [r for r in probe.list_models() if r.path.is_file()]
    if records:
        source = records[0].path
        shutil.copyfile(source, store / source.name)
        shutil.copyfile(source, store / f"old_{source.name}")
    else:  # nothing discovered: small stand-in files keep the demo meaningful
        (store / "demo.model").write_bytes(b"current")
        (store / "old_demo.model").write_bytes(b"previous")


def main(argv: Sequence[str] | None = None) -> ocrkit.Engine:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default="tesseract", help="backend whose store to tidy (default: tesseract)")
    parser.add_argument("--demo", action="store_true", help="work on a temporary store seeded with old_ copies")
    args = parser.parse_args(argv)

    demo_home = Path(tempfile.mkdtemp(prefix="ocrkit-demo-")) if args.demo else None
    if demo_home is not None:
        seed_demo_store(args.backend, demo_home)
        print(f"Demo store (removed at the end): {demo_home}")

    ocr = ocrkit.open(args.backend, store=demo_home, lazy=True)
    try:
        models = ocr.list_local()
        print(f"Local {args.backend} models ({len(models)}):")
        for name in models:
            print(f"  {name}")
        if not models:
            print("  (none; add one with `ocrkit models import NAME_OR_PATH`)")

        old = [name for name in models if name.startswith("old_")]
        for name in old:
            ocr.remove_model(name)
            print(f"Deleted {name}")
        if not old:
            print("No old_ models to delete")

        model_dir = ocr.get_local_path()
        print(f"Model directory: {model_dir}")

        print("Audit:")
        entries = ocr.audit()
        for entry in entries:
            note = f"  ({entry.reason})" if entry.reason else ""
            print(f"  {entry.status:<8} {os.path.join(model_dir, entry.name)}{note}")
        if not entries:
            print("  (store is empty)")
    finally:
        ocr.free_resources()
        print(f"Released {args.backend} engine resources")
        if demo_home is not None:
            shutil.rmtree(demo_home, ignore_errors=True)
    return ocr


if __name__ == "__main__":
    try:
        main()
    except ocrkit.OcrkitError as exc:
        sys.exit(f"ocr_cleanup: error: {exc}")
