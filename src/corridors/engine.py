"""Where batch scoring runs: in this process, or on a dask cluster.

`corridors.scoring.score_records` cuts its input into batches of ``settings.SCORE_CHUNK_ROUTES``
routes and scores each batch with one function (`corridors.scoring.score_partition`). The
``local`` engine runs the batches one after another in this process; the ``dask`` engine makes
each batch a partition of a dask-geopandas frame (the route lines, with the corridor records beside
them) and scores the partitions on ``dask.distributed`` workers: a `LocalCluster` of
``n_workers`` processes by default, or the cluster whose scheduler is at ``scheduler``. Results
come back in partition order and are ranked together, so both engines give the same records.

(The streaming CSV writer, `corridors.tables.write_score_csv`, scores its batches in processes
forked from this one, `corridors._workers.worker_processes`.)

dask, distributed and dask-geopandas (the ``scale`` extra) are imported only when the dask engine
runs. This module knows nothing of scoring: it maps a picklable function over partitions.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from . import settings
from ._errors import CorridorsError

__all__ = ["ENGINES", "check_options", "run_dask"]

#: Engines of `corridors.score` and ``corridors score --engine``.
ENGINES = ("local", "dask")

T = TypeVar("T")


def check_options(engine: str, scheduler: str | None, n_workers: int | None, chunk_routes: int | None) -> int:
    """Check the engine options together (every problem in one error); return the batch size, routes."""
    problems = []
    if engine not in ENGINES:
        problems.append(f"engine: {engine!r} is not one of {', '.join(ENGINES)}")
    if scheduler is not None and engine != "dask":
        problems.append(f"scheduler: {scheduler!r} needs engine 'dask'")
    if n_workers is not None and (isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1):
        problems.append(f"n_workers: {n_workers!r} is not a positive whole number")
    chunk = settings.SCORE_CHUNK_ROUTES if chunk_routes is None else chunk_routes
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1:
        problems.append(f"chunk_routes: {chunk!r} is not a positive whole number of routes")
    if problems:
        raise CorridorsError("; ".join(problems))
    return int(chunk)


def _apply(function: Callable[..., T], frame: Any, options: Mapping[str, Any]) -> T:
    """Run ``function`` on the items of one partition (its ``item`` column), on a worker."""
    return function(list(frame["item"]), **options)


def run_dask(
    function: Callable[..., T],
    parts: Sequence[Sequence[Any]],
    options: Mapping[str, Any],
    *,
    scheduler: str | None = None,
    n_workers: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> list[T]:
    """``[function(part, **options) for part in parts]``, computed on dask workers, in order.

    Each part becomes one partition of a dask-geopandas frame whose geometry is the items'
    ``coords`` or waypoints as lines (for spatial partitioning by users) and whose ``item`` column
    holds the items. ``progress`` is called with each part's size as its result arrives.
    """
    try:
        import dask
        import dask.dataframe
        import dask_geopandas
        import geopandas
        import pandas as pd
        import shapely
        from distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # pragma: no cover - the scale extra is part of the test extra
        raise CorridorsError(
            f"engine 'dask' needs dask[distributed] and dask-geopandas ({exc.name} is missing): "
            "pip install 'corridors[scale]'"
        ) from None

    items = [item for part in parts for item in part]
    sizes = [len(part) for part in parts]
    frame = geopandas.GeoDataFrame(
        {"item": pd.Series(items, dtype=object)},
        geometry=[_line(shapely, item) for item in items],
        crs="EPSG:4326",
    )
    ends = list(itertools.accumulate(sizes, initial=0))
    pieces = [frame.iloc[a:b] for a, b in itertools.pairwise(ends)]
    with dask.config.set({"dataframe.convert-string": False}):  # the item column holds objects, not text
        ddf = dask_geopandas.from_dask_dataframe(
            dask.dataframe.from_delayed([dask.delayed(p) for p in pieces], meta=frame.iloc[:0], verify_meta=False)
        )
        tasks = [dask.delayed(_apply)(function, part, dict(options)) for part in ddf.to_delayed()]

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0")
    try:
        with Client(cluster if cluster is not None else scheduler) as client:
            futures = client.compute(tasks)
            index = {f.key: k for k, f in enumerate(futures)}
            results: list[Any] = [None] * len(futures)
            for future in as_completed(futures):
                k = index[future.key]
                results[k] = future.result()
                if progress is not None:
                    progress(sizes[k])
    except OSError as exc:
        raise CorridorsError(f"scheduler: cannot reach {scheduler!r}: {exc}") from None
    finally:
        if cluster is not None:
            cluster.close()
    return results


def _line(shapely: Any, item: Any) -> Any:
    """A lon/lat line for an item with ``coords`` or ``waypoints`` (None otherwise)."""
    coords = getattr(item, "coords", ()) or [(w.lon, w.lat) for w in getattr(item, "waypoints", ())]
    return shapely.LineString(coords) if len(coords) >= 2 else None
