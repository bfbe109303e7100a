"""``--changed-since REF``: the configs a change touched, for a CI gate.

A config is linted when it changed between REF and the working tree (``git diff --name-only REF``,
staged or not), when it is new and untracked, or when it uses a local model folder (or a ``models``
mapping target) in which something changed. Deleted files are skipped. Only files under the given
paths count. Nothing here imports torch: configs are only read and extracted.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from lora_lint.discover import CONFIG_SUFFIXES, discover

if TYPE_CHECKING:
    from lora_lint.lint import Settings

GIT_TIMEOUT_S = 60


class ChangedError(Exception):
    """git failed: not a repository, unknown ref, git missing."""


def _git(args: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError:
        raise ChangedError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise ChangedError(f"`git {' '.join(args)}` took longer than {GIT_TIMEOUT_S} s") from None
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["git failed"])[0]
        raise ChangedError(first.removeprefix("fatal: "))
    return done.stdout


def _lines(text: str) -> list[str]:
    return [p for p in text.split("\0") if p]


def changed_files(ref: str, cwd: Path | None = None) -> tuple[Path, list[Path]]:
    """The repository root and the existing files changed since ``ref`` or untracked, absolute."""
    here = (cwd or Path.cwd()).resolve()
    if ref.startswith("-"):
        raise ChangedError(f"`{ref}` is not a git ref")
    top = Path(_git(["rev-parse", "--show-toplevel"], here).strip()).resolve()
    _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], here)
    names = _lines(_git(["diff", "--name-only", "-z", "--no-renames", ref, "--"], top))
    names += _lines(_git(["ls-files", "--others", "--exclude-standard", "-z", "--"], top))
    found: dict[Path, None] = {}
    for name in names:
        path = top / name
        if path.is_file():  # deleted files are skipped
            found.setdefault(path, None)
    return top, list(found)


def _under(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def _model_config(model_id: str, base: Path, settings: Settings) -> Path | None:
    """The local config.json a model reference reads, if it is local (mirrors resolve's order)."""
    if model_id in settings.models:
        target = Path(settings.models[model_id])
        return (target / "config.json" if target.is_dir() else target).resolve()
    raw = Path(model_id).expanduser()
    options = [raw] if raw.is_absolute() else [base / raw, Path.cwd() / raw]
    for option in options:
        if option.is_dir() and (option / "config.json").is_file():
            return (option / "config.json").resolve()
        if option.is_file() and option.suffix == ".json":
            return option.resolve()
    return None


def _uses_changed_model(path: Path, changed_json: set[Path], settings: Settings) -> bool:
    from lora_lint.extract import extract
    from lora_lint.load import LoadError, load_path

    try:
        documents = load_path(str(path), settings.max_bytes)
    except LoadError:
        return False
    for doc in documents:
        for spec in extract(doc):
            model_id = settings.model or (spec.model.id if spec.model else None)
            if model_id is None:
                continue
            if _model_config(model_id, path.parent, settings) in changed_json:
                return True
    return False


def changed_configs(ref: str, paths: list[str], settings: Settings, cwd: Path | None = None) -> list[str]:
    """Config files under ``paths`` to lint for a change since ``ref``, in a stable order."""
    _, changed = changed_files(ref, cwd)
    roots = [Path(p).resolve() for p in paths]
    suffixes = CONFIG_SUFFIXES + ((".py",) if settings.include_python else ())
    chosen = {p: None for p in changed if _under(p, roots) and p.name.endswith(suffixes)}
    # Only a model's config.json (or a mapped .json) shapes its module tree; when one changed,
    # every config under the paths that reads it is linted too.
    changed_json = {p for p in changed if p.suffix == ".json"}
    if changed_json:
        for raw in discover(paths, suffixes):
            candidate = Path(raw).resolve()
            if (
                candidate not in chosen
                and candidate.is_file()
                and _uses_changed_model(candidate, changed_json, settings)
            ):
                chosen[candidate] = None
    return [_display(p) for p in sorted(chosen)]


__all__ = ["ChangedError", "changed_configs", "changed_files"]
