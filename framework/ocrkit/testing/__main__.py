"""``python -m ocrkit.testing BACKEND IMAGE ...``: the release measurement's figures for a
backend, in a fresh interpreter (see :func:`ocrkit.testing._measure.main`). A ``__main__``
of the package, so runpy never re-executes a module the package already imported."""

from ._measure import main

main()
