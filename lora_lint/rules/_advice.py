"""Shared wording for rules: closest real names, and the module that plays the same role here."""

from __future__ import annotations

import difflib

from lora_lint.models.inventory import Inventory
from lora_lint.models.roles import FUSED_KINDS, KINDS

_FUSED_FOR = {"q": "qkv", "k": "qkv", "v": "qkv", "gate": "gate_up", "up": "gate_up"}
_KIND_WORDS = {
    "q": "query projection",
    "k": "key projection",
    "v": "value projection",
    "qkv": "fused query/key/value projection",
    "kv": "key/value projection",
    "o": "attention output projection",
    "up": "MLP up projection",
    "gate": "MLP gate projection",
    "down": "MLP down projection",
    "gate_up": "fused MLP gate/up projection",
    "router": "MoE router",
    "head": "output head",
    "embedding": "embedding",
}


def kind_words(kind: str) -> str:
    return _KIND_WORDS.get(kind, kind)


def _shape(inv: Inventory, name: str) -> str:
    row = inv.row(name)
    if row is None or row.in_features is None:
        return ""
    return f" ({row.cls} {row.in_features} -> {row.out_features})"


def leaf_names(inv: Inventory, wrappable_only: bool = True) -> list[str]:
    seen: dict[str, None] = {}
    for row in inv.modules:
        if row.wrappable or not wrappable_only:
            seen.setdefault(row.name.rsplit(".", 1)[-1], None)
    return list(seen)


def closest(entry: str, inv: Inventory, n: int = 3) -> list[str]:
    candidates: set[str] = set()
    for row in inv.modules:
        if not row.wrappable:
            continue
        parts = row.name.split(".")
        candidates.add(parts[-1])
        if len(parts) > 1 and not parts[-2].isdigit():
            candidates.add(".".join(parts[-2:]))
    return difflib.get_close_matches(entry, sorted(candidates), n=n, cutoff=0.6)


def same_role(entry: str, inv: Inventory) -> tuple[str, list[str]] | None:
    """For a familiar projection name from another architecture: (its kind, the names playing it here)."""
    leaf = entry.rsplit(".", 1)[-1]
    kind = next((k for k, names in KINDS.items() if leaf in names), None)
    if kind is None:
        return None
    wanted = [kind] + ([_FUSED_FOR[kind]] if kind in _FUSED_FOR else [])
    for want in wanted:
        names: dict[str, None] = {}
        for row in inv.modules:
            if not row.wrappable:
                continue
            role = inv.role(row.name)
            if role.kind == want and role.tower == "language":
                names.setdefault(row.name.rsplit(".", 1)[-1], None)
        if names:
            return want, list(names)
    return kind, []


def role_hint(entry: str, inv: Inventory, label: str | None = None) -> str | None:
    found = same_role(entry, inv)
    if found is None:
        return None
    kind, names = found
    if not names:
        return None
    example = next(r.name for r in inv.modules if r.wrappable and r.name.rsplit(".", 1)[-1] == names[0])
    spelled = ", ".join(f"`{n}`" for n in names)
    words = kind_words(kind)
    if kind in FUSED_KINDS and "fused" not in words:
        words = f"fused {words}"
    return f"the {words} of {label or '`' + inv.model_id + '`'} is {spelled}{_shape(inv, example)}"
