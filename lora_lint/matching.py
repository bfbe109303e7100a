"""PEFT's name-matching rules as pure functions (peft 0.21, see docs and tests).

* list ``target_modules`` / ``exclude_modules`` entry: exact full name or ``.``-suffix;
* str ``target_modules`` / ``exclude_modules``: ``re.fullmatch`` against the full name;
* ``modules_to_save`` guard during matching: ``re.match(rf"(^|.*\\.){m}($|\\..*)", name)``;
* ``modules_to_save`` wrapping: bare ``name.endswith(m)``;
* rank/alpha pattern keys: ``re.match(rf"(.*\\.)?({key})$", name)``, first key wins;
* layer index: the first ``<pattern>.<digits>.`` segment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any


def entry_matches(entry: str, name: str) -> bool:
    return name == entry or name.endswith("." + entry)


def list_matches(entry: str, names: Iterable[str]) -> list[str]:
    return [name for name in names if entry_matches(entry, name)]


@lru_cache(maxsize=1024)
def compile_regex(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return None


def regex_error(pattern: str) -> str | None:
    try:
        re.compile(pattern)
    except re.error as exc:
        return str(exc)
    except (RecursionError, OverflowError):
        return "pattern too complex"
    return None


def regex_matches(pattern: str, names: Iterable[str]) -> list[str]:
    compiled = compile_regex(pattern)
    if compiled is None:
        return []
    return [name for name in names if compiled.fullmatch(name)]


def saved_guard(entry: str, name: str) -> bool:
    compiled = compile_regex(rf"(^|.*\.){entry}($|\..*)")
    return bool(compiled and compiled.match(name))


def saved_matches(entry: str, names: Iterable[str]) -> list[str]:
    return [name for name in names if name.endswith(entry)]


def pattern_key(patterns: Mapping[str, Any], name: str) -> str | None:
    for key in patterns:
        compiled = compile_regex(rf"(.*\.)?({key})$")
        if compiled is not None and compiled.match(name):
            return str(key)
    return None


def layer_index(name: str, layers_pattern: str | list[str] | None) -> int | None:
    if not layers_pattern:
        match = re.match(r".*?\.[^.]*\.(?P<idx>\d+)\.", name)
        return int(match.group("idx")) if match else None
    patterns = [layers_pattern] if isinstance(layers_pattern, str) else list(layers_pattern)
    for pattern in patterns:
        compiled = compile_regex(rf"(?:^|.*?\.){pattern}\.(?P<idx>\d+)\.")
        match = compiled.match(name) if compiled else None
        if match:
            return int(match.group("idx"))
    return None


def as_list(value: Any) -> list[str] | None:
    """A list/tuple/set of names as a list of str, or None when ``value`` is not a list."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return [str(v) for v in value]
    return None
