"""LL013 peft-error: PEFT raises when it applies this config, for a reason no other rule explains.

What it does
    Runs PEFT's own injection on the meta-device model and reports its exception when none of the
    specific rules (unknown targets, unsupported modules, layer selection, invalid values) already
    accounts for it: for example a fused MoE expert targeted by half (``w1`` without ``w3``), or
    options that cannot be combined on the targeted layers.

Why is this bad
    The training job would stop with this error after the model was downloaded.

Example
    base_model_name_or_path: gpt2
    r: 8
    target_modules: [c_attn]
    target_parameters: [attn.c_attn.weight]

Use instead
    target_modules: [c_attn]            # wrap each layer one way only
"""

from __future__ import annotations

from collections.abc import Iterator

from lora_lint.diagnostics import Diagnostic, Severity
from lora_lint.rules.context import RuleContext, looks_like_regex

CODE = "LL013"
NAME = "peft-error"
SEVERITY = Severity.ERROR
SUMMARY = "PEFT raises when applying this config (a cause no more specific rule covers)"
# Runs last in the registry: it reports only what the rules before it did not explain.


def _explained(ctx: RuleContext) -> bool:
    failure = ctx.prediction.failure if ctx.prediction else None
    assert failure is not None
    if failure.kind in {"config", "layers"} or any(d.severity is Severity.ERROR for d in ctx.reported):
        return True
    inv = ctx.inventory
    if inv is None:
        return True
    target = ctx.spec.value("target_modules")
    if failure.kind == "no-match":
        if isinstance(target, str):
            return target.lower() != "all-linear" and not ctx.regex_hits(target)
        entries = list(ctx.entries("target_modules"))
        return bool(entries) and all(looks_like_regex(e.value) or not ctx.list_hits(e.value) for e in entries)
    return failure.kind == "unsupported"


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    pred = ctx.prediction
    if pred is None or pred.failure is None or not ctx.spec.peft_applies or _explained(ctx):
        return
    span = (
        ctx.field_span("target_modules")
        if "target_modules" in ctx.spec.fields
        else ctx.doc.span(ctx.spec.location)
    )
    yield ctx.report(
        CODE, span, f"PEFT raises {pred.failure.exception or 'an error'}: {pred.failure.message}"
    )
