"""Text line pieces on an upright, straightened ink mask: runs of inked rows inside
narrow vertical strips (so columns, form fields and tables still give lines), kept when
they look like body text (about the page's usual line height, wide, well inked)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LinePiece", "line_pieces", "body_lines", "ascender_vote"]

#: Strips are this share of the page wide (at least _MIN_STRIP pixels).
_STRIPS = 6
_MIN_STRIP = 100
_MIN_HEIGHT, _MAX_HEIGHT = 5, 80


@dataclass(frozen=True)
class LinePiece:
    top: int
    bottom: int
    left: int
    right: int
    ink: int
    profile: np.ndarray  # inked pixels per row, top to bottom

    @property
    def height(self) -> int:
        return self.bottom - self.top


def line_pieces(ink: np.ndarray) -> list[LinePiece]:
    w = ink.shape[1]
    width = max(_MIN_STRIP, w // _STRIPS)
    pieces = []
    for x0 in range(0, w, width):
        strip = ink[:, x0 : x0 + width]
        rows = strip.sum(axis=1)
        edges = np.diff(np.concatenate([[0], (rows > 0).view(np.int8), [0]]))
        for top, bottom in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
            if not _MIN_HEIGHT <= bottom - top <= _MAX_HEIGHT:
                continue
            cols = np.flatnonzero(strip[top:bottom].any(axis=0))
            if cols.size < 3 * (bottom - top):
                continue
            pieces.append(
                LinePiece(int(top), int(bottom), int(x0 + cols[0]), int(x0 + cols[-1] + 1),
                          int(rows[top:bottom].sum()), rows[top:bottom].astype(np.float64))
            )
    return pieces


def body_lines(pieces: list[LinePiece], count: int) -> list[LinePiece]:
    """The *count* most inked pieces of about the page's usual line height."""
    if not pieces:
        return []
    usual = float(np.median([p.height for p in pieces]))
    body = [p for p in pieces if 0.6 * usual <= p.height <= 1.6 * usual]
    return sorted(body, key=lambda p: (-p.ink, p.top, p.left))[:count]


def ascender_vote(pieces: list[LinePiece]) -> float:
    """-1..1: positive when ink sticks out above the lines' x-height band more than
    below it, as Latin lowercase does upright (ascenders outnumber descenders).
    All-capital text gives about 0: the vote only breaks ties."""
    above = below = 0.0
    for piece in pieces:
        band = np.flatnonzero(piece.profile >= 0.5 * piece.profile.max())
        if band.size == 0 or band[-1] - band[0] < 2:
            continue
        above += float(piece.profile[: band[0]].sum())
        below += float(piece.profile[band[-1] + 1 :].sum())
    return (above - below) / (above + below) if above + below else 0.0
