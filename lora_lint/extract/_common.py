"""Helpers the framework adapters share: reading keys with positions, comma strings, model scans.

The scans here model what a framework does *before* PEFT sees the config (axolotl's and
LLaMA-Factory's "all linear" searches, block lists for mlx-lm and torchtune); they run on the
Inventory of the meta-device model, never on a real one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from lora_lint.diagnostics import Severity, Span
from lora_lint.extract.spec import Field, LoraSpec, ModelRef, Note
from lora_lint.load.document import Document, KeyPath
from lora_lint.matching import entry_matches
from lora_lint.models.inventory import Inventory
from lora_lint.models.roles import tower_of

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0", "none", "null", ""}


def looks_like_regex(value: str) -> bool:
    return any(ch in "*+?[](){}|^$\\" for ch in value)


def mapping(value: Any) -> dict[Any, Any] | None:
    return value if isinstance(value, dict) else None


def truthy(value: Any) -> bool:
    """A boolean as a framework's argument parser reads it (YAML bools, or "true"/"false" text)."""
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    return bool(value)


def is_false(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _FALSE
    return value is not None and not value


def copy_keys(spec: LoraSpec, data: dict[Any, Any], scope: KeyPath, keys: dict[str, str]) -> None:
    """Copy framework keys to LoraConfig fields (``{framework_key: lora_field}``), with positions."""
    for key, name in keys.items():
        if key in data and data[key] is not None:
            spec.fields[name] = Field(data[key], (*scope, key))


def model_from(doc: Document, scope: KeyPath, keys: Iterable[str]) -> ModelRef | None:
    data = doc.data
    for part in scope:
        data = data[part]
    if not isinstance(data, dict):
        return None
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return ModelRef(value.strip(), (*scope, key), key)
    return None


def _value_offset(doc: Document, span: Span) -> int:
    """1 when the scalar at ``span`` is quoted (its text starts one column later), else 0."""
    lines = doc.text.splitlines()
    if 0 < span.line <= len(lines):
        line = lines[span.line - 1]
        if 0 < span.column <= len(line) and line[span.column - 1] in "'\"":
            return 1
    return 0


def split_comma(doc: Document, path: KeyPath | None, text: str) -> Field:
    """A comma string split and stripped as LLaMA-Factory and others do, each entry with its own span."""
    parts: list[str] = []
    spans: list[Span] = []
    whole = doc.span(path) if path is not None else Span(1, 1, 1, 1)
    single_line = path is not None and path in doc.spans and whole.line == whole.end_line
    base = whole.column + (_value_offset(doc, whole) if single_line else 0)
    offset = 0
    for raw in text.split(","):
        stripped = raw.strip()
        start = offset + (len(raw) - len(raw.lstrip()))
        offset += len(raw) + 1
        if not stripped:
            continue
        parts.append(stripped)
        if single_line:
            col = base + start
            spans.append(Span(whole.line, col, whole.line, col + len(stripped)))
        else:
            spans.append(whole)
    return Field(parts, path, tuple(spans))


def note(
    spec: LoraSpec,
    message: str,
    help: str | None,
    path: KeyPath | None,
    severity: Severity = Severity.WARNING,
    span: Span | None = None,
) -> None:
    spec.notes.append(Note(message, help, path, severity, span))


def names(items: Iterable[str], limit: int = 8) -> str:
    listed = list(dict.fromkeys(items))
    shown = ", ".join(f"`{n}`" for n in listed[:limit])
    return shown + (f" and {len(listed) - limit} more" if len(listed) > limit else "")


# --- model scans -------------------------------------------------------------------------------


def linear_rows(inv: Inventory, *, exclude_embedding_cls: bool = False) -> Iterator[str]:
    """Modules whose class name contains "Linear", as the frameworks' own scans test it.

    transformers' ``Conv1D`` (GPT-2) is not among them: this is where they differ from PEFT's
    ``all-linear``.
    """
    for row in inv.modules:
        cls = row.cls
        if "Linear" not in cls or cls == "LlamaLinearScalingRotaryEmbedding":
            continue
        if exclude_embedding_cls and "Embedding" in cls:
            continue
        yield row.name


def leaf(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def suffix_hits(entries: Iterable[str], inv: Inventory) -> list[str]:
    """Wrappable modules a PEFT list would select (exact name or dotted suffix)."""
    wanted = list(entries)
    return [
        row.name
        for row in inv.modules
        if row.wrappable and any(entry_matches(entry, row.name) for entry in wanted)
    ]


def by_tower(modules: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name in modules:
        tower = tower_of(name)
        counts[tower] = counts.get(tower, 0) + 1
    return counts


def tower_words(counts: dict[str, int]) -> str:
    order = ("language", "vision", "audio", "projector")
    words = {"language": "language model", "vision": "vision tower", "audio": "audio tower"}
    return ", ".join(
        f"{counts[t]} in the {words.get(t, t)}" for t in sorted(counts, key=lambda t: order.index(t))
    )


def has_towers(inv: Inventory) -> bool:
    return any(row.wrappable and tower_of(row.name) != "language" for row in inv.modules)


_BLOCK = re.compile(r"^(?P<prefix>(?:.*\.)?(?:layers|h|blocks|layer|block))\.(?P<index>\d+)\.(?P<rest>.+)$")


def block_list(inv: Inventory) -> tuple[str, int] | None:
    """The language model's main block list: (prefix, number of blocks), e.g. ("model.layers", 32)."""
    counts: dict[str, set[int]] = {}
    for row in inv.modules:
        match = _BLOCK.match(row.name)
        if match and tower_of(row.name) == "language":
            counts.setdefault(match.group("prefix"), set()).add(int(match.group("index")))
    if not counts:
        return None
    prefix = max(counts, key=lambda p: (len(counts[p]), -len(p)))
    return prefix, max(counts[prefix]) + 1


def block_relative(inv: Inventory, prefix: str) -> Iterator[tuple[int, str, str]]:
    """(block index, path inside the block, full name) for every module below the block list."""
    head = prefix + "."
    for row in inv.modules:
        if not row.name.startswith(head):
            continue
        index, _, rest = row.name[len(head) :].partition(".")
        if index.isdigit() and rest:
            yield int(index), rest, row.name


def language_role_modules(inv: Inventory, kinds: Iterable[str]) -> list[str]:
    """Wrappable modules of the language tower whose role kind is one of ``kinds``."""
    wanted = set(kinds)
    out = []
    for row in inv.modules:
        if not row.wrappable:
            continue
        role = inv.role(row.name)
        if role.tower == "language" and role.kind in wanted and role.group in {"attention", "mlp", "experts"}:
            out.append(row.name)
    return out
