"""LL002 ambiguous-target: one target_modules entry selects modules of more than one role.

What it does
    Groups the modules an entry matches by role (the module path with layer indices folded, e.g.
    ``transformer.h.*.mlp.c_proj``) and by what the role does (attention input or output, MLP,
    pooler, head) and tower (language, vision, audio). It reports an entry that spans more than one.

Why is this bad
    Short names repeat across a block. GPT-2's ``c_proj`` is both the attention output and the MLP
    down projection; BERT's ``dense`` sits in four places; a bare ``q_proj`` on a vision-language
    model also adapts the vision tower. You train (and pay for) more than you meant, and any
    parameter budget computed by hand is wrong.

Example
    base_model_name_or_path: gpt2
    r: 8
    target_modules: [c_attn, c_proj]

Use instead
    target_modules: [c_attn, attn.c_proj]   # attention only
"""

from __future__ import annotations

from collections.abc import Iterator

from lora_lint.diagnostics import Diagnostic, Severity
from lora_lint.matching import entry_matches
from lora_lint.models.inventory import Inventory
from lora_lint.models.roles import Role, ambiguity_key
from lora_lint.rules.context import RuleContext

CODE = "LL002"
NAME = "ambiguous-target"
SEVERITY = Severity.WARNING
SUMMARY = "a target_modules entry matches modules of more than one role"

_TOWER_WORDS = {"language": "language model", "vision": "vision tower", "audio": "audio tower"}


def qualified(role_key: str, role_modules: set[str], inv: Inventory) -> str | None:
    """The shortest dotted suffix of a role that matches exactly that role's modules."""
    parts = role_key.split(".")
    for size in range(2, len(parts) + 1):
        tail = parts[-size:]
        if "*" in tail:
            return None
        candidate = ".".join(tail)
        hits = {n for n in inv.names if entry_matches(candidate, n)}
        if hits == role_modules:
            return candidate
    return None


def _regex_for(role_key: str) -> str:
    return ".*" + "\\.".join(r"\d+" if p == "*" else p for p in role_key.split(".")[-4:])


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    inv = ctx.inventory
    if inv is None or not ctx.spec.peft_applies:
        return
    cost = ctx.lora_params()
    entries = list(ctx.entries("target_modules"))
    for entry in entries:
        hits = [n for n in ctx.list_hits(entry.value) if (row := inv.row(n)) is not None and row.wrappable]
        by_role: dict[str, list[str]] = {}
        roles: dict[str, Role] = {}
        for name in hits:
            role = inv.role(name)
            by_role.setdefault(role.key, []).append(name)
            roles[role.key] = role
        if len({ambiguity_key(r) for r in roles.values()}) < 2:
            continue
        others = [e.value for e in entries if e is not entry]
        listing = []
        for key, names in by_role.items():
            params = sum(cost.get(n, 0) for n in names)
            plural = "s" if len(names) != 1 else ""
            listing.append(
                f"`{key}` ({roles[key].label}, {len(names)} module{plural}, {params:,d} LoRA params)"
            )
        message = f"`{entry.value}` matches {len(hits)} modules in {len(by_role)} roles: " + ", ".join(
            listing
        )
        towers: dict[str, int] = {}
        for role in (inv.role(n) for n in hits):
            towers[role.tower] = towers.get(role.tower, 0) + 1
        if len(towers) > 1:
            message += "; by tower: " + ", ".join(
                f"{count} in the {_TOWER_WORDS.get(tower, tower)}"
                for tower, count in sorted(towers.items(), key=lambda item: item[0] != "language")
            )
        fixes = []
        trainable = ctx.prediction.trainable if ctx.prediction is not None and ctx.prediction.ok else None
        for key, names in by_role.items():
            spelled = qualified(key, set(names), inv)
            if trainable is not None:
                dropped = sum(
                    cost.get(n, 0)
                    for k, ns in by_role.items()
                    if k != key
                    for n in ns
                    if not any(entry_matches(o, n) for o in others)
                )
                total = f": {trainable - dropped:,d} trainable in total"
            else:
                total = ""
            if spelled:
                fixes.append(f"`{spelled}` for {roles[key].label} only{total}")
            else:
                fixes.append(
                    f"{roles[key].label} (`{key}`) has no unique list spelling; a regex string "
                    f"such as `{_regex_for(key)}` selects it{total}"
                )
        help_text = "to select one role, write a qualified entry: " + "; ".join(fixes)
        yield ctx.report(CODE, entry.span, message, help_text)
