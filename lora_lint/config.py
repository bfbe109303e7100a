"""Project configuration: ``[tool.lora-lint]`` in the nearest pyproject.toml, or ``.lora-lint.toml``.

Discovery starts in the current directory and walks up; in each directory ``.lora-lint.toml``
(top-level keys) wins over ``pyproject.toml`` (only when it has a ``[tool.lora-lint]`` table). The
first file found is the only one read. Command-line flags override it.

Rule selection works by code prefix (``LL``, ``LL00``, ``LL002``) in layers: the default
(everything), the file, the command line. Within a layer the longest matching prefix decides and
``ignore`` wins a tie; a layer that sets ``select`` starts afresh, otherwise an unmatched code falls
through to the layer below. ``per-file-ignores`` then removes codes for files matching a glob.

``trust-remote-code`` is deliberately not a file setting: a changed file in a pull request must not
be able to make CI run code.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from lora_lint.diagnostics import Severity

if TYPE_CHECKING:
    import argparse

    from lora_lint.lint import Settings

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

CONFIG_FILE = ".lora-lint.toml"
PYPROJECT = "pyproject.toml"
TABLE = "tool.lora-lint"

KEYS = (
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "severity",
    "strict",
    "offline",
    "exclude",
    "models",
    "auto-class",
)
_NOT_SETTINGS = {
    "trust-remote-code": "is not a file setting, so that a changed file cannot make CI run code; "
    "pass --trust-remote-code on the command line",
}
_CODE_PREFIX = re.compile(r"^LL\d{0,3}$")


class ConfigError(Exception):
    """A configuration problem: one line naming the file and the key."""


# --- globs ------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        char = pattern[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z")


def glob_matches(pattern: str, rel_path: str) -> bool:
    """gitignore-like: a pattern without ``/`` matches any path component (so a folder name
    covers everything under it); one with ``/`` is anchored at the project root and matches the
    path or any folder above it."""
    pattern = pattern.strip()
    pattern = pattern.removeprefix("./")
    pattern = pattern.strip("/") if pattern != "/" else pattern
    parts = PurePosixPath(rel_path).parts
    regex = _glob_regex(pattern)
    if "/" not in pattern:
        return any(regex.match(part) for part in parts)
    return any(regex.match("/".join(parts[:n])) for n in range(1, len(parts) + 1))


# --- the policy applied to a run ---------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    """One source of selection (file or command line): ``(prefix, enabled)`` pairs."""

    entries: tuple[tuple[str, bool], ...] = ()
    reset: bool = False

    def decide(self, code: str) -> bool | None:
        best: tuple[int, bool] | None = None
        for prefix, enabled in self.entries:
            if not code.startswith(prefix):
                continue
            # Longest prefix wins; on a tie, ignore (False) wins.
            if best is None or len(prefix) > best[0] or (len(prefix) == best[0] and not enabled):
                best = (len(prefix), enabled)
        if best is not None:
            return best[1]
        return False if self.reset else None


def make_layer(
    select: Sequence[str] | None, extend_select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> Layer:
    entries = [(p, True) for p in (*(select or ()), *extend_select)] + [(p, False) for p in ignore]
    return Layer(tuple(entries), reset=select is not None)


DEFAULT_LAYER = Layer((("LL", True),), reset=True)


@dataclass(frozen=True)
class Policy:
    """What a run reports: selection, per-file ignores, severity overrides and excludes."""

    layers: tuple[Layer, ...] = (DEFAULT_LAYER,)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    exclude: tuple[str, ...] = ()
    root: str | None = None  # where globs are anchored (the config file's folder)

    def relative(self, path: str) -> str:
        root = Path(self.root) if self.root else Path.cwd().resolve()
        try:
            return Path(os.path.abspath(path)).resolve().relative_to(root).as_posix()
        except (ValueError, OSError):
            return Path(path).as_posix()

    def selected(self, code: str) -> bool:
        for layer in reversed(self.layers):
            decided = layer.decide(code)
            if decided is not None:
                return decided
        return False

    def enabled(self, code: str, path: str) -> bool:
        if not self.selected(code):
            return False
        if self.per_file_ignores:
            rel = self.relative(path)
            for pattern, prefixes in self.per_file_ignores:
                if glob_matches(pattern, rel) and any(code.startswith(p) for p in prefixes):
                    return False
        return True

    def severity_for(self, code: str, default: Severity) -> Severity:
        best: tuple[int, Severity] | None = None
        for prefix, level in self.severity:
            if code.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), level)
        return best[1] if best else default

    def excluded(self, path: str) -> bool:
        if not self.exclude:
            return False
        rel = self.relative(path)
        return any(glob_matches(pattern, rel) for pattern in self.exclude)


# --- reading a file ----------------------------------------------------------------------------


@dataclass
class ProjectConfig:
    """The validated contents of one configuration file (``None`` = not set)."""

    path: Path
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    severity: dict[str, Severity] = field(default_factory=dict)
    strict: bool | None = None
    offline: bool | None = None
    exclude: list[str] = field(default_factory=list)
    models: dict[str, str] = field(default_factory=dict)
    auto_class: str | None = None

    @property
    def root(self) -> Path:
        return self.path.parent


def _known_codes() -> list[str]:
    from lora_lint.rules import RULES

    return list(RULES)


def _codes(where: str, key: str, value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, list):
        raise ConfigError(f'{where}: `{key}` must be a list of rule codes, e.g. ["LL002"]')
    known = _known_codes()
    out: list[str] = []
    for item in value:
        code = item.strip().upper() if isinstance(item, str) else None
        if code is None or not _CODE_PREFIX.match(code):
            raise ConfigError(
                f"{where}: `{key}` entry {item!r} is not a rule code or code prefix such as LL00"
            )
        if not any(k.startswith(code) for k in known):
            raise ConfigError(
                f"{where}: `{key}` entry `{code}` matches no rule; `lora-lint rules` lists them"
            )
        out.append(code)
    return out


def _bool(where: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: `{key}` must be true or false, not {value!r}")
    return value


def _strings(where: str, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: `{key}` must be a list of glob strings")
    return [v.strip() for v in value]


def _table(where: str, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: `{key}` must be a table")
    return value


def _validate(path: Path, table: Mapping[str, Any], label: str) -> ProjectConfig:
    where = f"{path}"
    config = ProjectConfig(path=path)
    for key, value in table.items():
        if key in _NOT_SETTINGS:
            raise ConfigError(f"{where}: `{key}` {_NOT_SETTINGS[key]}")
        if key not in KEYS:
            close = difflib.get_close_matches(key.replace("_", "-"), KEYS, n=1, cutoff=0.6)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            raise ConfigError(f"{where}: unknown key `{key}` in {label}{hint}")
        if key == "select":
            config.select = _codes(where, key, value)
        elif key == "extend-select":
            config.extend_select = _codes(where, key, value)
        elif key == "ignore":
            config.ignore = _codes(where, key, value)
        elif key == "per-file-ignores":
            for pattern, codes in _table(where, key, value).items():
                config.per_file_ignores[pattern] = _codes(where, f"{key}.{pattern}", codes)
        elif key == "severity":
            for prefix, level in _table(where, key, value).items():
                [code] = _codes(where, f"{key}.{prefix}", [prefix])
                if not isinstance(level, str):
                    raise ConfigError(f"{where}: `{key}.{prefix}` must be error, warning or info")
                try:
                    config.severity[code] = Severity.parse(level)
                except ValueError:
                    raise ConfigError(
                        f"{where}: `{key}.{prefix}` is {level!r}; expected error, warning or info"
                    ) from None
        elif key == "strict":
            config.strict = _bool(where, key, value)
        elif key == "offline":
            config.offline = _bool(where, key, value)
        elif key == "exclude":
            config.exclude = _strings(where, key, value)
        elif key == "models":
            for model_id, target in _table(where, key, value).items():
                if not isinstance(target, str) or not target.strip():
                    raise ConfigError(
                        f"{where}: `{key}.{model_id}` must be a path to a model folder or config.json"
                    )
                config.models[model_id] = str((path.parent / Path(target).expanduser()).resolve())
        elif key == "auto-class":
            if not isinstance(value, str) or not re.fullmatch(r"AutoModel\w*", value):
                raise ConfigError(
                    f"{where}: `{key}` must name a transformers auto class such as "
                    f"AutoModelForCausalLM, not {value!r}"
                )
            config.auto_class = value
    return config


def _parse_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def read_config(path: Path) -> ProjectConfig | None:
    """The config in ``path`` (a .lora-lint.toml or a pyproject.toml), or None when a
    pyproject.toml has no ``[tool.lora-lint]`` table."""
    data = _parse_toml(path)
    if path.name == PYPROJECT:
        tool = data.get("tool", {})
        if not isinstance(tool, dict) or "lora-lint" not in tool:
            return None
        return _validate(path, _table(str(path), "tool.lora-lint", tool["lora-lint"]), f"[{TABLE}]")
    return _validate(path, data, path.name)


def find_config(start: Path) -> Path | None:
    """The nearest configuration file at or above ``start``."""
    current = start.resolve()
    for folder in (current, *current.parents):
        dedicated = folder / CONFIG_FILE
        if dedicated.is_file():
            return dedicated
        pyproject = folder / PYPROJECT
        if pyproject.is_file():
            try:
                data = _parse_toml(pyproject)
            except ConfigError:
                return pyproject  # report the syntax error when it is read
            tool = data.get("tool")
            if isinstance(tool, dict) and "lora-lint" in tool:
                return pyproject
    return None


def load_project(explicit: str | None, start: Path | None = None) -> ProjectConfig | None:
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{explicit}: configuration file not found")
        found = read_config(path)
        if found is None:
            raise ConfigError(f"{explicit}: has no [{TABLE}] table")
        return found
    located = find_config(start or Path.cwd())
    return read_config(located) if located is not None else None


# --- merging with the command line -------------------------------------------------------------


def split_codes(values: Iterable[str] | None, flag: str) -> list[str] | None:
    """Comma-separated codes from repeated flags; None when the flag was not given."""
    if values is None:
        return None
    out: list[str] = []
    for value in values:
        out.extend(v for v in (p.strip() for p in value.split(",")) if v)
    return _codes("command line", flag, out)


def make_policy(project: ProjectConfig | None, args: argparse.Namespace | None = None) -> Policy:
    layers = [DEFAULT_LAYER]
    per_file: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    exclude: tuple[str, ...] = ()
    root: str | None = None
    if project is not None:
        layers.append(make_layer(project.select, project.extend_select, project.ignore))
        per_file = tuple((p, tuple(c)) for p, c in project.per_file_ignores.items())
        severity = tuple(project.severity.items())
        exclude = tuple(project.exclude)
        root = str(project.root.resolve())
    if args is not None:
        select = split_codes(getattr(args, "select", None), "--select")
        extend = split_codes(getattr(args, "extend_select", None), "--extend-select") or []
        ignore = split_codes(getattr(args, "ignore", None), "--ignore") or []
        if select is not None or extend or ignore:
            layers.append(make_layer(select, extend, ignore))
    return Policy(tuple(layers), per_file, severity, exclude, root)


def build_settings(args: argparse.Namespace) -> Settings:
    """Settings for a lint run: the project file, overridden by the command line."""
    from lora_lint.lint import Settings

    project = None if getattr(args, "isolated", False) else load_project(getattr(args, "config", None))
    settings = Settings(
        model=args.model,
        trust_remote_code=bool(args.trust_remote_code),
    )
    settings.offline = bool(args.offline) or bool(project and project.offline)
    if args.strict is not None:
        settings.strict = bool(args.strict)
    elif project is not None and project.strict is not None:
        settings.strict = project.strict
    settings.auto_class = args.auto_class or (project.auto_class if project else None)
    if project is not None:
        settings.models = dict(project.models)
    settings.policy = make_policy(project, args)
    return settings


__all__ = [
    "ConfigError",
    "Layer",
    "Policy",
    "ProjectConfig",
    "build_settings",
    "find_config",
    "glob_matches",
    "load_project",
    "make_policy",
    "read_config",
]
