"""Regenerate the command examples of the README and the docs from the commands themselves.

A console block preceded by ``<!-- regenerate: [NAME=VALUE ...] corridors ARGS -->`` is replaced by
``$ corridors ARGS`` and what the command prints (standard output, then standard error), run with
the given environment (``COLUMNS=132`` fixes the table width) from the repository root::

    python scripts/regenerate_examples.py            # rewrite the stale blocks
    python scripts/regenerate_examples.py --check    # exit 1 naming the stale blocks (tests run this)
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ("README.md", "docs/getting-started.md", "docs/commands.md")
BLOCK = re.compile(r"<!-- regenerate: (?P<command>[^\n]*?) -->\n```console\n(?P<body>.*?)```\n", re.DOTALL)


def run(command: str) -> str:
    """``$ corridors ARGS`` and the command's output, as the block shows them."""
    words = shlex.split(command)
    env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb"}
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    exe = shutil.which("corridors", path=str(Path(sys.executable).parent)) or "corridors"
    done = subprocess.run([exe, *words[1:]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    return f"$ {shlex.join(words)}\n{done.stdout}{done.stderr}"


def regenerate(text: str) -> tuple[str, list[str]]:
    """``text`` with every block rerun, and the commands whose block changed."""
    stale: list[str] = []

    def replace(m: re.Match[str]) -> str:
        body = run(m["command"])
        if body != m["body"]:
            stale.append(m["command"])
        return f"<!-- regenerate: {m['command']} -->\n```console\n{body}```\n"

    return BLOCK.sub(replace, text), stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale blocks (exit status 1)")
    args = parser.parse_args(argv)
    stale_all = []
    for name in FILES:
        path = ROOT / name
        text = path.read_text(encoding="utf-8")
        new, stale = regenerate(text)
        stale_all += [f"{name}: {command}" for command in stale]
        if stale and not args.check:
            path.write_text(new, encoding="utf-8")
    for line in stale_all:
        print(("stale: " if args.check else "rewrote: ") + line)
    return 1 if args.check and stale_all else 0


if __name__ == "__main__":
    sys.exit(main())
