"""LL004 head-or-embedding: the output head, an embedding or a classifier head is adapted or copied.

What it does
    Reports a LoRA target or a ``modules_to_save`` entry that lands on the output embedding
    (``lm_head``), an input embedding, or a task head, with what it costs in parameters and whether
    the weight is tied to another module.

Why is this bad
    These layers are huge (vocabulary x hidden). A ``modules_to_save`` copy of ``lm_head`` trains and
    saves the whole matrix; a LoRA on a tied ``lm_head`` also changes the input embedding and
    complicates merging. Sometimes this is wanted (new tokens); it should never be an accident.

Example
    base_model_name_or_path: gpt2
    r: 8
    target_modules: [c_attn, lm_head]

Use instead
    target_modules: [c_attn]
"""

from __future__ import annotations

from collections.abc import Iterator

from lora_lint.diagnostics import Diagnostic, Severity
from lora_lint.rules.context import RuleContext

CODE = "LL004"
NAME = "head-or-embedding"
SEVERITY = Severity.WARNING
SUMMARY = "the output head, an embedding or a classifier head is targeted or fully copied"


def _what(ctx: RuleContext, name: str) -> str | None:
    inv = ctx.inventory
    assert inv is not None
    row = inv.row(name)
    if name == inv.output_embedding:
        return "the output head"
    if name == inv.input_embedding:
        return "the input embedding"
    if row is not None and row.cls == "Embedding":
        return "an embedding"
    role = inv.role(name)
    if role.group == "head":
        return "a task head"
    return None


def _tied(ctx: RuleContext, name: str) -> str:
    inv = ctx.inventory
    assert inv is not None
    for a, b in inv.tied.items():
        for this, other in ((a, b), (b, a)):
            if this == f"{name}.weight":
                return f"; its weight is tied to `{other.rsplit('.', 1)[0]}`"
    return "; its weight is not tied"


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    inv, pred = ctx.inventory, ctx.prediction
    if inv is None or pred is None or not pred.ok or not ctx.spec.peft_applies:
        return
    per_module = ctx.lora_params()
    tm = ctx.spec.fields.get("target_modules")
    for name in pred.modules:
        what = _what(ctx, name)
        if what is None:
            continue
        entry = ctx.entry_owner(name)
        span = entry.span if entry else ctx.field_span("target_modules")
        how = (
            f"`{entry.value}`"
            if entry
            else (f"`{tm.value}`" if tm and isinstance(tm.value, str) else "the config")
        )
        row = inv.row(name)
        shape = f" ({row.cls} {row.in_features} -> {row.out_features})" if row and row.in_features else ""
        yield ctx.report(
            CODE,
            span,
            f"{how} adapts {what} `{name}`{shape}: LoRA adds "
            f"{per_module.get(name, 0):,d} parameters{_tied(ctx, name)}",
            "drop it unless you add tokens or change the vocabulary; for new tokens consider "
            "`trainable_token_indices`",
        )
    for entry in ctx.entries("modules_to_save"):
        for name, size in pred.saved.items():
            what = _what(ctx, name)
            if what is None or not name.endswith(entry.value):
                continue
            yield ctx.report(
                CODE,
                entry.span,
                f"modules_to_save `{entry.value}` makes a full trainable copy of "
                f"{what} `{name}`: {size:,d} parameters{_tied(ctx, name)}",
                "if the head must change, LoRA on it costs far less; otherwise drop the entry",
            )
