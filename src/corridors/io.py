"""Writing outputs: atomic files, streams, multi-file outputs, locks, verified caches, safe text.

Every regular file is written to a temporary file beside its target, flushed to disk and renamed
over it, so a failed or interrupted run never leaves a half-written output. The target is what a
careful Unix tool would write: a symbolic link is written through (the file it points to is
replaced, atomically, in its own folder); ``-``, a device or a FIFO is written as a stream; an
input file of the same run (see `track_inputs`) is refused. Text from data is made safe for the
terminal (`strip_terminal_controls`) and for XML (`xml_safe`) here, at the boundary.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import io as _io
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

from ._errors import OutputError

__all__ = [
    "TABLE_FORMATS",
    "atomic_write",
    "atomic_write_tree",
    "file_digest",
    "format_of",
    "locked",
    "note_input",
    "npy_bytes",
    "read_cache",
    "read_npy_cache",
    "seal_cache",
    "strip_terminal_controls",
    "to_json",
    "track_inputs",
    "write_cache",
    "xml_safe",
    "xml_safe_graph",
]

#: Formats of tabular output (``--format``): a terminal table, CSV, JSON or Markdown.
TABLE_FORMATS = ("table", "csv", "json", "markdown")

Data = str | bytes | Callable[[Path], object]

# ------------------------------------------------------------------------------ inputs of a run

_INPUTS: contextvars.ContextVar[set[tuple[int, int]] | None] = contextvars.ContextVar("corridors_inputs", default=None)


_STOP = threading.Event()
_WRITTEN: list[str] = []  # outputs written during the current command-line run (see `track_inputs`)


def request_stop() -> None:
    """Ask every later `atomic_write` / `atomic_write_tree` to give up instead of replacing its target.

    The command line's SIGTERM handler calls it before raising, so an output is never replaced
    after the run was told to stop, even where Python swallows the raised exception (a weakref
    callback).
    """
    _STOP.set()


def stop_requested() -> bool:
    """Whether `request_stop` was called."""
    return _STOP.is_set()


def written_outputs() -> list[str]:
    """The files written since the current `track_inputs` block began, in order."""
    return list(_WRITTEN)


def _check_stop(label: str) -> None:
    if _STOP.is_set():
        raise OutputError(f"{label}: not written: the run was terminated")


def _record_written(label: str) -> None:
    if _INPUTS.get() is not None:
        _WRITTEN.append(label)


@contextlib.contextmanager
def track_inputs() -> Iterator[None]:
    """Within this block, `atomic_write` refuses to write over a file read with `note_input`.

    The command line wraps each run in it, so ``--catalog a.yaml -o a.yaml`` fails before
    anything is lost. Outside the block (a notebook) nothing is tracked.
    """
    token = _INPUTS.set(set())
    _WRITTEN.clear()
    _STOP.clear()
    try:
        yield
    finally:
        _INPUTS.reset(token)


def note_input(path: str | Path) -> None:
    """Remember ``path`` as an input of the current run (see `track_inputs`)."""
    inputs = _INPUTS.get()
    if inputs is not None:
        with contextlib.suppress(OSError):
            st = os.stat(path)
            inputs.add((st.st_dev, st.st_ino))


def _is_input(st: os.stat_result) -> bool:
    inputs = _INPUTS.get()
    return inputs is not None and (st.st_dev, st.st_ino) in inputs


# ------------------------------------------------------------------------------------ writing


def _bytes_of(data: Data, name: str) -> bytes:
    """The bytes ``data`` stands for; a writer function writes into a private temporary folder."""
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, bytes):
        return data
    scratch = Path(tempfile.mkdtemp(prefix=".corridors.", suffix=".tmp"))
    try:
        tmp = scratch / name
        data(tmp)
        return tmp.read_bytes()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _write_stream(label: str, target: str, data: Data) -> Path:
    """Write to standard output (``-``), a device or a FIFO: a stream, never replaced."""
    try:
        raw = _bytes_of(data, Path(target).name if target != "-" else "stdout")
        if target == "-":
            sys.stdout.flush()
            sys.stdout.buffer.write(raw)
            sys.stdout.buffer.flush()
        else:
            with open(target, "wb") as fh:
                fh.write(raw)
    except OSError as exc:
        raise OutputError(f"{label}: cannot write: {exc.strerror or exc}") from None
    return Path(label)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _resolve_output(path: Path, *, check_inputs: bool) -> tuple[Path, bool]:
    """The file to write for ``path`` and whether it is a stream (``-``, a device, a FIFO)."""
    if str(path) == "-":
        return path, True
    if not str(path).strip():
        raise OutputError("output file name is empty")
    real = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        st = os.stat(real)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{path}: is a folder; name a file")
        if check_inputs and _is_input(st):
            raise OutputError(f"{path}: is also an input of this run; write the output to another file")
        if not stat.S_ISREG(st.st_mode):
            return real, True
    return real, False


def check_output(path: str | Path) -> None:
    """Refuse an output file before anything is read or written: a folder, an input of this run
    (see `track_inputs`), or a file in a folder that does not exist. `atomic_write` checks the
    same when it writes; a command that first reads the file it updates checks here."""
    target, streaming = _resolve_output(Path(path), check_inputs=True)
    if not streaming:
        _output_folder(path, target)


def _output_folder(path: str | Path, target: Path) -> Path:
    """The folder ``target`` is written in; `OutputError` naming ``path`` when it does not exist."""
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: output folder {str(folder)!r} does not exist")
    return folder


def atomic_write(path: str | Path, data: Data, *, check_inputs: bool = True) -> Path:
    """Write ``path`` atomically: a failed or interrupted run never leaves it half-written.

    ``data`` is the content (text is written as UTF-8), or a function that writes the file at the
    temporary path it is given (GDAL drivers, ``osmnx.save_graphml``). A regular file is made in a
    private folder beside its target, flushed to disk (``fsync``) and renamed over it. A symbolic
    link is written through to the file it names; ``-`` (standard output), a device or a FIFO is
    written as a stream. With ``check_inputs`` (the default), an input of the run is refused (see
    `track_inputs`).
    """
    label = str(path)
    target, streaming = _resolve_output(Path(path), check_inputs=check_inputs)
    if streaming:
        return _write_stream(label, str(target), data)
    folder = _output_folder(path, target)
    try:
        scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder))
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        tmp = scratch / target.name
        if callable(data):
            data(tmp)
        else:
            tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        _check_stop(label)
        os.replace(tmp, target)
        _fsync_folder(folder)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _record_written(label)
    return Path(path)


#: File marking a folder `atomic_write_tree` wrote: only such a folder (or an empty one) is replaced.
TREE_MARK = ".corridors-output"
_TREE_MARK_TEXT = "Written by corridors; the next run writing this folder replaces it whole.\n"


def _check_replaceable_folder(folder: Path) -> None:
    """`OutputError` unless ``folder`` is empty or was written by `atomic_write_tree` (its mark),
    holds no input of this run, and nothing but regular files and folders (no links, devices)."""
    entries = list(folder.rglob("*"))
    if not entries:
        return
    if not (folder / TREE_MARK).is_file():
        raise OutputError(
            f"{folder}: exists and was not written by corridors ({len(entries)} entries); it would be "
            "replaced whole: move it, or choose another output name"
        )
    for entry in entries:
        st = os.lstat(entry)
        if _is_input(st):
            raise OutputError(f"{entry}: is also an input of this run; write the output elsewhere")
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
            raise OutputError(f"{entry}: not a regular file; {folder} would be replaced whole: move it first")


def atomic_write_tree(root: str | Path, files: Mapping[str, str | bytes]) -> list[Path]:
    """Write several files under ``root`` as one unit: all of them, or (on failure) none.

    ``files`` maps relative paths (``"report.md"``, ``"report_files/map.html"``) to their content.
    Each top-level entry (a file, or a folder with everything in it) is built in a private
    temporary folder, then swapped in; a folder that existed is replaced whole, so no stale file
    from an earlier run survives in it. A folder is replaced only when it is empty or carries the
    mark (`TREE_MARK`) this function leaves in each folder it writes, and holds no input of this run,
    so a folder of the user's is never lost. Returns the paths written, in the order given.
    """
    root = Path(root) if str(root) else Path(".")
    if not root.is_dir():
        raise OutputError(f"{root}: output folder does not exist")
    tops: list[str] = []
    for name in files:
        parts = Path(name).parts
        if not parts or Path(name).is_absolute() or ".." in parts:
            raise OutputError(f"{name}: not a relative path inside {root}")
        if parts[0] not in tops:
            tops.append(parts[0])
    for top in tops:
        st = None
        with contextlib.suppress(FileNotFoundError):
            st = os.lstat(root / top)
        if st is not None and _is_input(st):
            raise OutputError(f"{root / top}: is also an input of this run; write the output elsewhere")
        if st is not None and stat.S_ISDIR(st.st_mode):
            _check_replaceable_folder(root / top)
    files = dict(files)
    for top in tops:  # each folder carries the mark that lets the next run replace it
        if any(Path(name).parts[0] == top and len(Path(name).parts) > 1 for name in files):
            files[f"{top}/{TREE_MARK}"] = _TREE_MARK_TEXT
    try:
        scratch = Path(tempfile.mkdtemp(prefix=".corridors.", suffix=".tmp", dir=root))
    except OSError as exc:
        raise OutputError(f"{root}: cannot write: {exc.strerror or exc}") from None
    moved: list[tuple[Path, Path | None]] = []  # (target, its previous version parked in scratch)
    try:
        new = scratch / "new"
        for name, data in files.items():
            tmp = new / name
            tmp.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
        old = scratch / "old"
        old.mkdir()
        _check_stop(str(root / tops[-1]))
        # folders first and the main file last, so a reader following the main file finds its folder
        for top in sorted(tops, key=lambda t: (new / t).is_file()):
            target = root / top
            parked = None
            if target.exists() or target.is_symlink():
                parked = old / top
                os.rename(target, parked)
            moved.append((target, parked))
            os.rename(new / top, target)
        _fsync_folder(root)
    except OutputError:
        raise
    except OSError as exc:
        for target, parked in reversed(moved):  # put back what was there
            with contextlib.suppress(OSError):
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                else:
                    target.unlink(missing_ok=True)
                if parked is not None:
                    os.rename(parked, target)
        raise OutputError(f"{root}: cannot write: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    written = [root / name for name in files if Path(name).name != TREE_MARK]
    for path in written:
        _record_written(str(path))
    return written


@contextlib.contextmanager
def locked(path: str | Path, *, timeout_s: float = 60.0) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (a hidden ``.NAME.lock`` file beside it, via ``filelock``).

    Read-modify-write updates of a shared file (``corridors plan -o catalog.yaml``) run inside it,
    so concurrent runs queue instead of losing each other's records.
    """
    from filelock import FileLock, Timeout

    path = Path(path)
    lock = FileLock(str(path.with_name(f".{path.name}.lock")), timeout=timeout_s)
    try:
        with lock:
            yield
    except Timeout:
        raise OutputError(f"{path}: another corridors run has held it for {timeout_s:g} s; try again") from None


# --------------------------------------------------------------------------------- safe text

#: ESC sequences: CSI (ESC [ … final), OSC/DCS/SOS/PM/APC strings (ended by BEL or ESC \\), and
#: two-character escapes; then the C1 forms of CSI/OSC, and every other C0/C1 control and DEL.
_TERMINAL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]PX^_].*?(?:\x07|\x1b\\|\x9c|$)"
    r"|\x1b[ -~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
    r"|[\x9d\x90\x98\x9e\x9f].*?(?:\x07|\x1b\\|\x9c|$)"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]",
    re.DOTALL,
)


def strip_terminal_controls(text: str) -> str:
    """``text`` without terminal control: escape sequences (colours, titles, OSC 52), C0/C1 controls.

    Newlines and tabs are kept.

    >>> strip_terminal_controls("ok\\x1b]0;pwned\\x07 \\x1b[2Jdone\\x9b1m\\x00!")
    'ok done!'
    """
    return _TERMINAL.sub("", text)


#: Characters XML 1.0 forbids: C0 controls but tab/LF/CR, surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value: Any) -> Any:
    """``value`` with the characters XML 1.0 forbids removed, when it is text; else unchanged.

    >>> xml_safe("Khunjerab\\x00 Pass\\x1b"), xml_safe(3)
    ('Khunjerab Pass', 3)
    """
    return _NOT_XML.sub("", value) if isinstance(value, str) else value


def xml_safe_graph(G: Any) -> Any:
    """A copy of a networkx graph whose text attributes (graph, nodes, edges) are `xml_safe`.

    Attribute names are cleaned too; lists of text (OSMnx merges tags) are cleaned item by item.
    """

    def clean(data: dict) -> dict:
        return {xml_safe(k): [xml_safe(x) for x in v] if isinstance(v, list) else xml_safe(v) for k, v in data.items()}

    H = G.copy()
    H.graph.clear()
    H.graph.update(clean(G.graph))
    for _, data in H.nodes(data=True):
        new = clean(data)
        data.clear()
        data.update(new)
    for *_, data in H.edges(data=True):
        new = clean(data)
        data.clear()
        data.update(new)
    return H


# ------------------------------------------------------------------------------------- JSON


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


# ------------------------------------------------------------------------------------ caches


def _stat_key(path: Path) -> list[int]:
    """Size, modification and status-change times (ns) and inode of a file: any write to it, or
    putting another file in its place, changes at least one (a status-change time cannot be set back)."""
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def file_digest(path: Path, *, memo_dir: Path | None = None) -> str:
    """A 128-bit BLAKE2b checksum of a file (hex), the key of the caches derived from it.

    With ``memo_dir``, the checksum is remembered there with the file's `_stat_key` and read back
    while that is unchanged, so a command does not hash the same shipped input at every start.
    """
    memo = None
    if memo_dir is not None:
        memo = memo_dir / (hashlib.blake2b(str(Path(path).resolve()).encode()).hexdigest()[:24] + ".json")
        try:
            known = json.loads(memo.read_text(encoding="utf-8"))
            digest = known.get("digest") if isinstance(known, dict) else None
            if isinstance(digest, str) and known.get("stat") == _stat_key(path):
                return digest
        except (OSError, ValueError):
            pass
    stat_key = _stat_key(path)
    with open(path, "rb") as fh:
        digest = hashlib.file_digest(fh, "blake2b").hexdigest()[:32]
    if memo is not None and _stat_key(path) == stat_key:  # not changed while it was read
        with contextlib.suppress(OSError, OutputError):
            memo.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(memo, json.dumps({"stat": stat_key, "digest": digest}) + "\n", check_inputs=False)
    return digest


def npy_bytes(array: np.ndarray) -> bytes:
    """``array`` as the bytes of a ``.npy`` file (no pickles), for `write_cache`."""
    import numpy as np

    buf = _io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data).hexdigest()[:32]


def write_cache(path: Path, data: str | bytes, *, key: str = "") -> None:
    """Write a cache entry atomically, with a sidecar ``NAME.json`` holding its checksum and ``key``.

    ``key`` names what the entry was built from (input checksums, parameters); `read_cache`
    trusts the entry only when both match. A cache that cannot be written is skipped, never an error.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, raw, check_inputs=False)
        meta = {"key": key, "blake2b": _digest(raw), "bytes": len(raw), "stat": _stat_key(path)}
        atomic_write(_sidecar(path), json.dumps(meta) + "\n", check_inputs=False)
    except (OSError, OutputError):
        pass


def seal_cache(path: Path, *, key: str = "") -> None:
    """Write the sidecar of a cache entry another writer made (``osmnx.save_graphml``), see `write_cache`."""
    try:
        stat_key = _stat_key(path)
        raw = path.read_bytes()
        meta = {"key": key, "blake2b": _digest(raw), "bytes": len(raw), "stat": stat_key}
        atomic_write(_sidecar(path), json.dumps(meta) + "\n", check_inputs=False)
    except (OSError, OutputError):
        pass


def _verified(path: Path, key: str) -> bool:
    """Whether a cache entry matches its sidecar; an entry whose sidecar has no `_stat_key` (written by an
    older version) or another one is hashed, and once it matches the sidecar is given the current one, so
    the next read does not hash it again."""
    try:
        meta = json.loads(_sidecar(path).read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or meta.get("key") != key or meta.get("bytes") != path.stat().st_size:
            return False
        stat_key = _stat_key(path)
        if meta.get("stat") == stat_key:  # untouched since its checksum was taken
            return True
        with open(path, "rb") as fh:
            if hashlib.file_digest(fh, "blake2b").hexdigest()[:32] != meta.get("blake2b"):
                return False
        if _stat_key(path) == stat_key:  # not changed while it was read
            with contextlib.suppress(OSError, OutputError):
                atomic_write(_sidecar(path), json.dumps({**meta, "stat": stat_key}) + "\n", check_inputs=False)
        return True
    except (OSError, ValueError):
        return False


def read_cache(path: Path, *, key: str = "") -> bytes | None:
    """The bytes of a cache entry written by `write_cache` with the same ``key``, or None.

    None (rebuild it) when the entry or its sidecar is missing, damaged, foreign (another key) or
    does not match its checksum: a cache is never trusted blindly.
    """
    if not _verified(path, key):
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def read_npy_cache(
    path: Path, *, key: str = "", shape: tuple[int, ...] | None = None, dtype: Any = None
) -> np.ndarray | None:
    """A verified ``.npy`` cache entry, memory-mapped, or None when it must be rebuilt (see `read_cache`).

    ``shape`` and ``dtype``, when given, must match too.
    """
    import numpy as np

    if not _verified(path, key):
        return None
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if (shape is not None and array.shape != tuple(shape)) or (dtype is not None and array.dtype != np.dtype(dtype)):
        return None
    return array
