"""A parsed config file: plain values plus the source span of every key and value."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lora_lint.diagnostics import Span

KeyPath = tuple[str | int, ...]

MAX_NODES = 200_000
MAX_DEPTH = 200


class LoadError(Exception):
    """The file cannot be read as a config; carries the best known position."""

    def __init__(self, message: str, span: Span | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.span = span or Span(1, 1, 1, 1)


@dataclass
class Duplicate:
    path: KeyPath
    span: Span
    first: Span


@dataclass
class ForeignTag:
    """A YAML tag outside the plain types (``!!python/...``, ``!Ref``, ``!!set``): never built; the
    value is read as its plain text, list or mapping."""

    span: Span
    tag: str

    @property
    def message(self) -> str:
        short = self.tag.replace("tag:yaml.org,2002:", "!!")
        text = f"YAML tag `{short}` is not plain data: lora-lint never builds it and reads the value untagged"
        if not self.tag.startswith("tag:yaml.org,2002:") or "python/" in self.tag:
            text += "; yaml.safe_load, as training frameworks read configs, refuses this file"
        return text


@dataclass
class Document:
    path: str
    text: str
    data: Any
    spans: dict[KeyPath, Span] = field(default_factory=dict)
    key_spans: dict[KeyPath, Span] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)
    foreign_tags: list[ForeignTag] = field(default_factory=list)
    index: int = 0
    kind: str = "yaml"

    def span(self, path: KeyPath) -> Span:
        """The span of the value at ``path``, or of its nearest ancestor that has one."""
        for cut in range(len(path), -1, -1):
            found = self.spans.get(path[:cut])
            if found is not None:
                return found
        return Span(1, 1, 1, 1)

    def forget(self, prefix: KeyPath) -> None:
        """Drop spans under ``prefix`` (a duplicate key's earlier value is being replaced)."""
        n = len(prefix)
        for table in (self.spans, self.key_spans):
            for stale in [p for p in table if p[:n] == prefix and len(p) > n]:
                del table[stale]

    def key_span(self, path: KeyPath) -> Span:
        return self.key_spans.get(path) or self.span(path)


def pointer(path: KeyPath) -> str:
    """RFC 6901 JSON pointer for a key path ("" for the root)."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def mappings(value: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, dict[Any, Any]]]:
    """Every mapping in a value tree with its key path, outermost first."""
    if isinstance(value, dict):
        yield path, value
        for key, child in value.items():
            yield from mappings(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from mappings(child, (*path, index))
