"""LL001 unknown-target: a name in target_modules (or exclude_modules, modules_to_save,
target_parameters) that matches nothing in the model.

What it does
    Checks every list entry against the model's real module names with PEFT's own rule: an entry
    matches a module whose full name equals it or ends with ``.`` + the entry.

Why is this bad
    PEFT raises only when *no* entry matches anything. One typo in a list of four, or a name from
    another architecture (``q_proj`` on GPT-2), is dropped without a word and trains less than you
    think. An unmatched ``modules_to_save`` or ``exclude_modules`` entry is ignored silently too.

Example
    base_model_name_or_path: gpt2
    r: 8
    target_modules: [c_attn, q_proj]

Use instead
    target_modules: [c_attn]          # GPT-2 fuses q, k and v into c_attn
"""

from __future__ import annotations

from collections.abc import Iterator

from lora_lint.diagnostics import Diagnostic, Severity
from lora_lint.matching import entry_matches
from lora_lint.rules._advice import closest, role_hint
from lora_lint.rules.context import RuleContext, looks_like_regex, model_label

CODE = "LL001"
NAME = "unknown-target"
SEVERITY = Severity.ERROR
SUMMARY = "a target_modules (or exclude/modules_to_save/target_parameters) entry matches no module"

_WHAT = {
    "target_modules": "module",
    "exclude_modules": "module",
    "modules_to_save": "module",
    "target_parameters": "parameter",
}


def _help(ctx: RuleContext, entry: str) -> str | None:
    assert ctx.inventory is not None
    parts = []
    hint = role_hint(entry, ctx.inventory, model_label(ctx))
    if hint:
        parts.append(hint)
    near = [n for n in closest(entry, ctx.inventory) if n != entry]
    if near:
        parts.append("closest names: " + ", ".join(f"`{n}`" for n in near))
    if not parts:
        return f"run `lora-lint inspect {ctx.inventory.model_id}` to list the module names"
    return "; ".join(parts)


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    inv = ctx.inventory
    if inv is None or not ctx.spec.peft_applies:
        return
    for field, what in _WHAT.items():
        for entry in ctx.entries(field):
            if field == "target_parameters":
                hit = any(entry_matches(entry.value, name) for name in inv.param_names)
            elif field == "modules_to_save":
                hit = any(name.endswith(entry.value) for name in inv.names)
            else:
                if looks_like_regex(entry.value):
                    continue  # LL005 explains regex syntax in a list
                if (
                    field == "target_modules"
                    and ctx.prediction is not None
                    and entry.value in ctx.prediction.renamed
                ):
                    continue  # PEFT retargets it to a fused expert parameter
                hit = bool(ctx.list_hits(entry.value))
            if hit:
                continue
            where = "" if field == "target_modules" else f" ({field})"
            yield ctx.report(
                CODE,
                entry.span,
                f"`{entry.value}` matches no {what} of {model_label(ctx)}{where}",
                _help(ctx, entry.value),
            )
