"""Turn command-line paths into the files to lint."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

CONFIG_SUFFIXES = (".yaml", ".yml", ".json")
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "site-packages",
        ".eggs",
        "build",
        "dist",
    }
)


def _is_venv(path: Path) -> bool:
    try:
        return (path / "pyvenv.cfg").is_file()
    except OSError:  # a folder we may not enter
        return False


def walk(root: Path, suffixes: tuple[str, ...] = CONFIG_SUFFIXES) -> Iterator[Path]:
    """Files under ``root`` with a config suffix, sorted, without following directory symlink loops.

    A folder that cannot be listed is yielded itself, so that loading it reports why (nothing is
    skipped silently).
    """
    seen: set[tuple[int, int]] = set()
    unreadable: list[str] = []

    def note(error: OSError) -> None:
        if error.filename is not None:
            unreadable.append(str(error.filename))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=note):
        while unreadable:
            yield Path(unreadable.pop(0))
        current = Path(dirpath)
        try:
            stat = current.stat()
        except OSError:
            dirnames[:] = []
            continue
        ident = (stat.st_dev, stat.st_ino)
        if ident in seen:
            dirnames[:] = []
            continue
        seen.add(ident)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in SKIP_DIRS and not _is_venv(current / d) and not d.endswith(".egg-info")
        )
        for name in sorted(filenames):
            if name.endswith(suffixes):
                yield current / name
    yield from (Path(name) for name in unreadable)


def discover(paths: Iterable[str], suffixes: tuple[str, ...] = CONFIG_SUFFIXES) -> Iterator[str]:
    """Files named explicitly are always yielded (as given); folders are walked."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for found in walk(path, suffixes):
                yield str(found)
        else:
            yield raw
