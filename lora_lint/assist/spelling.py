"""Spell a set of modules as a ``target_modules`` value that selects exactly that set, unambiguously.

Preference order: the short name (``q_proj``) when it selects only wanted modules of one kind; the
role's qualified suffix (``attn.c_proj``, the spelling LL002 suggests); a longer suffix; and, when
no list entry can single a role out (BERT's ``layer.N.output.dense`` next to
``attention.output.dense``), one regex string for the whole selection, verified by full match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from lora_lint.matching import entry_matches, regex_matches
from lora_lint.models.inventory import Inventory
from lora_lint.models.roles import ambiguity_key
from lora_lint.rules.ll002_ambiguous_target import qualified

KIND_ORDER = ("q", "k", "v", "qkv", "kv", "o", "gate", "up", "gate_up", "down")


@dataclass(frozen=True)
class Spelling:
    """``value`` is a list of entries or a regex string; both select exactly ``modules``."""

    value: list[str] | str
    modules: frozenset[str]
    reason: str | None = None  # why a regex was needed

    @property
    def is_regex(self) -> bool:
        return isinstance(self.value, str)

    def text(self) -> str:
        if isinstance(self.value, str):
            return f'"{self.value}"'
        return "[" + ", ".join(self.value) + "]"


class SpellingError(Exception):
    pass


def list_hits(inv: Inventory, entry: str) -> set[str]:
    return {name for name in inv.names if entry_matches(entry, name)}


def _clean(inv: Inventory, hits: set[str], wanted: set[str]) -> bool:
    """Selects only wanted modules, all of one kind in LL002's sense (so LL002 stays quiet)."""
    return bool(hits) and hits <= wanted and len({ambiguity_key(inv.role(h)) for h in hits}) == 1


def _suffix(inv: Inventory, key: str, mods: set[str], wanted: set[str]) -> str | None:
    parts = key.split(".")
    for size in range(2, len(parts) + 1):
        tail = parts[-size:]
        if "*" in tail:
            return None
        candidate = ".".join(tail)
        hits = list_hits(inv, candidate)
        if mods <= hits and _clean(inv, hits, wanted):
            return candidate
    return None


def ordered_roles(inv: Inventory, modules: Iterable[str]) -> dict[str, list[str]]:
    """Role key -> its modules (model order), roles sorted q, k, v, qkv, kv, o, gate, up, down, rest."""
    wanted = set(modules)
    roles: dict[str, list[str]] = {}
    kinds: dict[str, str] = {}
    for name in inv.names:
        if name in wanted:
            role = inv.role(name)
            roles.setdefault(role.key, []).append(name)
            kinds[role.key] = role.kind
    rank = {kind: i for i, kind in enumerate(KIND_ORDER)}
    keys = sorted(roles, key=lambda k: rank.get(kinds[k], len(KIND_ORDER)))
    return {k: roles[k] for k in keys}


def _escape(part: str) -> str:
    return r"\d+" if part == "*" else re.escape(part)


def regex_for(keys: list[str]) -> str:
    """One full-match regex for the modules of several roles (folded keys), common prefix factored."""
    split = [k.split(".") for k in keys]
    prefix: list[str] = []
    for column in zip(*split, strict=False):
        if len(set(column)) != 1 or len(prefix) == min(len(s) for s in split) - 1:
            break
        prefix.append(column[0])
    rests = list(dict.fromkeys(r"\.".join(_escape(p) for p in s[len(prefix) :]) for s in split))
    head = r"\.".join(_escape(p) for p in prefix)
    body = rests[0] if len(rests) == 1 else "(?:" + "|".join(rests) + ")"
    return f"{head}\\.{body}" if head else body


def full_names(modules: Iterable[str], inv: Inventory) -> list[str]:
    ordered = [n for n in inv.names if n in set(modules)]
    return ordered


def spell(inv: Inventory, modules: Iterable[str]) -> Spelling:
    wanted = set(modules)
    if not wanted:
        raise SpellingError("nothing to select")
    roles = ordered_roles(inv, wanted)
    entries: list[str] = []
    covered: set[str] = set()
    for key, names in roles.items():
        mods = set(names)
        if mods <= covered:
            continue
        leaf = key.split(".")[-1]
        hits = list_hits(inv, leaf)
        if _clean(inv, hits, wanted):
            entries.append(leaf)
            covered |= hits
            continue
        candidate = qualified(key, mods, inv)
        if candidate is None or not _clean(inv, list_hits(inv, candidate), wanted):
            candidate = _suffix(inv, key, mods, wanted)
        if candidate is None:
            return _regex_spelling(inv, list(roles), wanted, key)
        entries.append(candidate)
        covered |= list_hits(inv, candidate)
    if covered != wanted:  # pragma: no cover - every entry is checked against `wanted` above
        raise SpellingError("spelling does not cover the selection")
    return Spelling(entries, frozenset(wanted))


def _regex_spelling(inv: Inventory, keys: list[str], wanted: set[str], culprit: str) -> Spelling:
    reason = f"no list entry selects `{culprit}` alone (every suffix also matches other layers)"
    pattern = regex_for(keys)
    if set(regex_matches(pattern, inv.names)) == wanted:
        return Spelling(pattern, frozenset(wanted), reason)
    names = full_names(wanted, inv)
    if set().union(*(list_hits(inv, n) for n in names)) == wanted:
        return Spelling(names, frozenset(wanted), reason)
    raise SpellingError(f"cannot spell a selection containing `{culprit}`")
