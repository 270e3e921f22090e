"""MkDocs hooks for the corridors site (loaded through ``hooks:`` in mkdocs.yml).

- Adds ``maps/*.png``, ``maps/atlas.html`` and ``CHANGELOG.md`` to the site at build time (as
  ``gallery/…`` and ``changelog.md``), so the images are not kept twice in git.
- Executes ``walkthrough.ipynb`` once, with nbclient, in a scratch folder (the notebook writes
  ``corridors.png`` there, not into ``docs/``); mkdocs-jupyter then renders the executed copy.

Environment:

- ``CORRIDORS_DOCS_WORKDIR``: folder to execute the notebook in and keep the executed copy
  (default: a temporary folder removed after the build). ``tests/test_docs.py`` sets it.
- ``CORRIDORS_DOCS_EXECUTE=0``: render the notebook without executing it (a quick preview).
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.corridors")

ROOT = Path(__file__).resolve().parent.parent
MAPS = ROOT / "maps"
NOTEBOOK = "walkthrough.ipynb"
NOTEBOOK_TIMEOUT_S = 600

_scratch: tempfile.TemporaryDirectory | None = None


def _generated(config, src_uri: str, path: Path) -> File:
    return File.generated(config, src_uri, abs_src_path=str(path))


def execute_notebook(source: Path, workdir: Path) -> Path:
    """Execute ``source`` with the current Python's kernel, in ``workdir``; return the executed copy."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(source, as_version=4)
    client = NotebookClient(
        nb,
        timeout=NOTEBOOK_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        raise RuntimeError(f"{source.name} failed to execute:\n{exc}") from None
    executed = workdir / source.name
    nbformat.write(nb, executed)
    return executed


@event_priority(-100)  # after mkdocs-jupyter has turned the notebook into a page
def on_files(files: Files, config) -> Files:
    global _scratch
    for png in [*sorted(MAPS.glob("*.png")), MAPS / "atlas.html"]:
        if png.exists():
            files.append(_generated(config, f"gallery/{png.name}", png))
    files.append(_generated(config, "changelog.md", ROOT / "CHANGELOG.md"))

    page = files.get_file_from_path(NOTEBOOK)
    if page is None or os.environ.get("CORRIDORS_DOCS_EXECUTE", "1") == "0":
        return files
    workdir_env = os.environ.get("CORRIDORS_DOCS_WORKDIR")
    if workdir_env:
        workdir = Path(workdir_env)
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        _scratch = tempfile.TemporaryDirectory(prefix="corridors-docs-")
        workdir = Path(_scratch.name)
    log.info("Executing %s in %s", NOTEBOOK, workdir)
    executed = execute_notebook(Path(config["docs_dir"]) / NOTEBOOK, workdir)
    # mkdocs-jupyter wraps the File (NotebookFile) and reads abs_src_path from the wrapper.
    page.abs_src_path = str(executed)
    if hasattr(page, "file"):
        page.file.abs_src_path = str(executed)
    return files


def on_page_content(html: str, page, config, files) -> str:
    # mkdocs-click 0.9 prints click >= 8.3's "no default" sentinel in the Default column.
    if page.file.src_uri == "cli.md":
        html = html.replace("<code>Sentinel.UNSET</code>", "")
    return html


def on_post_build(config) -> None:
    global _scratch
    if _scratch is not None:
        _scratch.cleanup()
        _scratch = None


def on_build_error(error) -> None:
    on_post_build({})
