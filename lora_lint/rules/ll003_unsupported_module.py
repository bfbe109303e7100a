"""LL003 unsupported-module: a target matches a module that PEFT cannot wrap.

What it does
    Looks at every module a target_modules entry (or regex) matches. PEFT's LoRA wraps only
    ``nn.Linear``, ``nn.Embedding``, ``nn.Conv1d/2d/3d``, ``nn.MultiheadAttention`` and
    transformers' ``Conv1D``; anything else (a container such as ``attn``, a LayerNorm, Dropout or
    an activation) makes ``get_peft_model`` raise.

Why is this bad
    The job fails at training time, after the weights were downloaded and the GPU was allocated.

Example
    base_model_name_or_path: gpt2
    r: 8
    target_modules: [attn]

Use instead
    target_modules: [c_attn]    # name the linear layers inside the block
"""

from __future__ import annotations

from collections.abc import Iterator

from lora_lint.diagnostics import Diagnostic, Severity
from lora_lint.rules.context import RuleContext

CODE = "LL003"
NAME = "unsupported-module"
SEVERITY = Severity.ERROR
SUMMARY = "a target matches a module PEFT cannot wrap (container, norm, dropout, activation)"


def _children_hint(ctx: RuleContext, names: list[str]) -> str:
    assert ctx.inventory is not None
    first = names[0]
    inside: dict[str, None] = {}
    for row in ctx.inventory.modules:
        if row.wrappable and row.name.startswith(first + "."):
            inside.setdefault(row.name[len(first) + 1 :], None)
    if inside:
        listed = ", ".join(f"`{n}`" for n in list(inside)[:6])
        return f"name the layers inside instead: {listed}"
    return (
        "PEFT wraps only Linear, Embedding, Conv1d/2d/3d, MultiheadAttention and transformers' Conv1D layers"
    )


def _describe(ctx: RuleContext, names: list[str]) -> str:
    assert ctx.inventory is not None
    classes: dict[str, int] = {}
    for name in names:
        row = ctx.inventory.row(name)
        cls = row.cls if row else "?"
        classes[cls] = classes.get(cls, 0) + 1
    return ", ".join(f"{count} `{cls}`" for cls, count in classes.items())


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    inv = ctx.inventory
    if inv is None or not ctx.spec.peft_applies:
        return
    found = ctx.spec.fields.get("target_modules")
    if found is None:
        return
    if isinstance(found.value, str) and found.value.lower() != "all-linear":
        hits = ctx.regex_hits(found.value)
        bad = [n for n in hits if (row := inv.row(n)) is not None and not row.wrappable]
        if bad:
            yield ctx.report(
                CODE,
                found.span(ctx.doc),
                f"regex `{found.value}` matches {_describe(ctx, bad)} module(s) that PEFT cannot wrap, "
                f"e.g. `{bad[0]}`",
                _children_hint(ctx, bad),
            )
        return
    excluded = {e.value for e in ctx.entries("exclude_modules")}
    for entry in ctx.entries("target_modules"):
        bad = [
            n
            for n in ctx.list_hits(entry.value)
            if (row := inv.row(n)) is not None
            and not row.wrappable
            and not any(n == x or n.endswith("." + x) for x in excluded)
        ]
        if bad:
            yield ctx.report(
                CODE,
                entry.span,
                f"`{entry.value}` matches {_describe(ctx, bad)} module(s) that PEFT cannot wrap, "
                f"e.g. `{bad[0]}`",
                _children_hint(ctx, bad),
            )
