"""Worker processes forked from this one, for work that shares what this process has loaded.

Scoring batches (`corridors.tables.write_score_csv`) and terrain legs (`corridors.costs`) run in
processes forked once the reference layers, DEM and cost grids are loaded: the workers share those
pages instead of loading them again, and start in milliseconds. Processes, not threads: GEOS
objects shared by two scoring threads corrupted the heap (see ``settings.SCORE_PROCESSES``).

A fork copies only the calling thread, so a lock another thread held stays locked in the child;
`can_fork` therefore refuses when another Python thread runs (a notebook's, a progress bar's), as
it does off Linux and inside a daemonic worker, and the work then runs in this process.
"""

from __future__ import annotations

import collections
import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from ._errors import CorridorsError

__all__ = ["available_cpus", "can_fork", "worker_processes"]

T = TypeVar("T")


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the system has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def can_fork() -> bool:
    """Whether worker processes may be forked here: on Linux, from the only Python thread, not in a daemon."""
    import multiprocessing
    import threading

    return (
        sys.platform.startswith("linux")
        and threading.active_count() == 1
        and not multiprocessing.current_process().daemon
    )


@contextlib.contextmanager
def worker_processes(processes: int) -> Iterator[Callable[..., Iterator[Any]]]:
    """A ``run(function, parts, options)`` that maps ``function(part, **options)`` over ``parts`` in order.

    With ``processes`` > 1 and `can_fork`, the parts go to that many processes forked on entry,
    from this process as it is then: load what the parts share before entering. (Native thread
    pools that survive a fork may run meanwhile: Arrow re-creates its pools in a forked child,
    apache/arrow#2363, #14594.) ``run`` yields
    results in the order of ``parts`` and takes a part only when a worker is about to need it, so
    at most ``processes`` + 1 parts and their results are held; ``run`` may be called more than
    once. A worker's exception is raised here as it was raised; a worker that dies (killed, out
    of memory) ends the run with a `CorridorsError`. Ctrl-C reaches this process only; when the
    run ends by an exception (Ctrl-C and SIGTERM included), the workers are ended at once rather
    than left to finish their parts. Otherwise
    each part runs here, in turn.
    """
    if processes <= 1 or not can_fork():
        yield _run_here
        return
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    gc.freeze()  # the objects loaded so far: the workers' collector leaves them, and their pages, shared
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"), initializer=_worker_start)
    pool.submit(int).result()  # with fork, every worker starts at the first task: now

    def run(function: Callable[..., T], parts: Iterable[Any], options: Mapping[str, Any]) -> Iterator[T]:
        pending: collections.deque[Any] = collections.deque()
        try:
            for part in parts:
                pending.append(pool.submit(function, part, **options))
                if len(pending) > processes:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BrokenProcessPool:
            raise CorridorsError(
                "a worker process ended without its result (killed, or out of memory?); "
                f"try fewer processes (--workers, now {processes}) or smaller batches (--chunk-routes)"
            ) from None
        finally:
            for future in pending:
                future.cancel()

    try:
        yield run
    except BaseException:  # an error, Ctrl-C or SIGTERM: the batches in hand are not waited for
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()


def _stop_workers(pool: Any) -> None:
    """End a pool's workers at once (SIGTERM), without waiting for the parts they hold."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()


def _run_here(function: Callable[..., T], parts: Iterable[Any], options: Mapping[str, Any]) -> Iterator[T]:
    return (function(part, **options) for part in parts)


def _worker_start() -> None:
    """Set up a worker: Ctrl-C is the parent's to handle, and SIGTERM ends the worker at once."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
