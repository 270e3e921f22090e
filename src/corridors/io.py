"""Output formats and atomic writes.

Tables are lists of flat dicts; :func:`render_table` turns them into a terminal table, CSV, JSON
or Markdown. Every file is written to a temporary file beside the target and renamed over it, so
a failed run never leaves a half-written output.
"""

from __future__ import annotations

import csv
import io as _io
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._errors import OutputError

__all__ = ["FORMATS", "atomic_write", "render_table", "to_json"]

FORMATS = ("table", "csv", "json", "markdown")


def atomic_write(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: output folder {str(folder)!r} does not exist")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def to_json(data: Any) -> str:
    """Stable JSON: keys in insertion order, two-space indent, UTF-8, trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def render_table(
    rows: Sequence[dict[str, Any]], fmt: str = "table", *, title: str = "", width: int | None = None
) -> str:
    """Render rows (dicts sharing keys) as ``table``, ``csv``, ``json`` or ``markdown`` text.

    The terminal table is as wide as the terminal (``width`` overrides; 200 when not a terminal).
    """
    columns = list(rows[0]) if rows else []
    if fmt == "json":
        return to_json(list(rows))
    if fmt == "csv":
        buf = _io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: "" if r.get(k) is None else r.get(k) for k in columns} for r in rows)
        return buf.getvalue()
    if fmt == "markdown":
        esc = lambda s: _cell(s).replace("|", "\\|").replace("\n", " ")  # noqa: E731
        lines = [f"**{title}**", ""] if title else []
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "|".join("---:" if _numeric(rows, c) else "---" for c in columns) + "|")
        lines += ["| " + " | ".join(esc(r.get(c)) for c in columns) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    if fmt == "table":
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title or None, header_style="bold", show_lines=False)
        for c in columns:
            longest = max((len(_cell(r.get(c))) for r in rows), default=0)
            table.add_column(
                c,
                justify="right" if _numeric(rows, c) else "left",
                overflow="fold",
                no_wrap=longest <= 32,
                min_width=min(longest, 32),  # short columns keep their width; long text folds
                max_width=None if longest <= 32 else 40,
            )
        for r in rows:
            table.add_row(*(_cell(r.get(c)) for c in columns))
        import shutil

        width = width or shutil.get_terminal_size((200, 24)).columns
        console = Console(file=_io.StringIO(), width=width, color_system=None, force_terminal=False)
        console.print(table)
        return console.file.getvalue()  # type: ignore[attr-defined]
    raise ValueError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")


def _numeric(rows: Sequence[dict[str, Any]], column: str) -> bool:
    values = [r.get(column) for r in rows if r.get(column) is not None]
    return bool(values) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
