"""Writing outputs: atomic files and stable JSON.

Every file is written to a temporary file beside the target and renamed over it, so a failed run
never leaves a half-written output.
"""

from __future__ import annotations

import hashlib
import io as _io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

from ._errors import OutputError

__all__ = ["TABLE_FORMATS", "atomic_write", "file_digest", "format_of", "npy_bytes", "to_json", "write_cache"]

#: Formats of tabular output (``--format``): a terminal table, CSV, JSON or Markdown.
TABLE_FORMATS = ("table", "csv", "json", "markdown")


def atomic_write(path: str | Path, data: str | bytes | Callable[[Path], object]) -> Path:
    """Write ``path`` atomically: a failed or interrupted run never leaves it half-written.

    ``data`` is the content (text is written as UTF-8), or a function that writes the file at the
    temporary path it is given (GDAL drivers, ``osmnx.save_graphml``). The file is made in a
    private folder beside ``path``, flushed to disk (``fsync``) and renamed over ``path``.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: output folder {str(folder)!r} does not exist")
    try:
        scratch = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder))
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        tmp = scratch / path.name
        if callable(data):
            data(tmp)
        else:
            tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return path


def format_of(path: str | Path, suffixes: Mapping[str, str], what: str) -> str:
    """The format a file's suffix names (case ignored); `OutputError` naming the accepted ones.

    ``suffixes`` maps each accepted suffix to its format; ``what`` names the output in the error.

    >>> format_of("brief/TAPI.SVG", {".png": "png", ".svg": "svg"}, "figures")
    'svg'
    """
    suffix = Path(path).suffix.lower()
    if suffix not in suffixes:
        accepted = list(dict.fromkeys(suffixes))
        listed = ", ".join(accepted[:-1]) + " or " + accepted[-1] if len(accepted) > 1 else accepted[0]
        raise OutputError(f"{path}: {what} are written as {listed}, not {suffix or 'a file without suffix'!r}")
    return suffixes[suffix]


def to_json(data: Any) -> str:
    """Stable JSON: keys in insertion order, two-space indent, UTF-8, trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def file_digest(path: Path) -> str:
    """A 128-bit BLAKE2b checksum of a file (hex), the key of the caches derived from it."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "blake2b").hexdigest()[:32]


def npy_bytes(array: np.ndarray) -> bytes:
    """``array`` as the bytes of a ``.npy`` file (no pickles), for `write_cache`."""
    import numpy as np

    buf = _io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def write_cache(path: Path, data: str | bytes) -> None:
    """Write a cache file atomically; a cache that cannot be written is skipped, never an error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)
    except (OSError, OutputError):
        pass
