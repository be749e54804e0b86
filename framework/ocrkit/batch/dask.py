"""The Dask side of :mod:`ocrkit.batch`, for users with their own ``distributed.Client``
(needs the ``dask`` extra: ``pip install "ocrkit[dask]"``)::

    from distributed import Client, as_completed
    from ocrkit.batch import BatchSettings
    from ocrkit.batch.dask import DaskEngines

    client = Client("tcp://scheduler:8786")
    with DaskEngines(client, BatchSettings(backend="tesseract", formats=("text", "json"))) as engines:
        for future in as_completed(engines.map(["/shared/scans"], "/shared/out", recursive=True)):
            print(future.result())
"""

from __future__ import annotations

from ._dask import DaskEngines, EnginePlugin, connect

__all__ = ["DaskEngines", "EnginePlugin", "connect"]
