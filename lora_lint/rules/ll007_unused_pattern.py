"""LL007 unused-pattern: a rank_pattern or alpha_pattern key that selects no targeted module.

What it does
    PEFT looks each wrapped module up in ``rank_pattern`` and ``alpha_pattern`` with
    ``re.match(rf"(.*\\.)?({key})$", name)``: the key is a regex anchored at the end of the name and
    starting at a dot boundary. This rule reports keys that match none of the modules (or
    ``module.parameter`` names for target_parameters) that PEFT would wrap.

Why is this bad
    A key that matches nothing leaves the default rank and alpha in place without an error; the
    usual causes are a module that is not targeted, a partial name (``proj``), or a typo.

Example
    base_model_name_or_path: meta-llama/Llama-2-7b-hf
    r: 8
    target_modules: [q_proj, v_proj]
    rank_pattern: {o_proj: 16}

Use instead
    rank_pattern: {v_proj: 16}
"""

from __future__ import annotations

from collections.abc import Iterator

from lora_lint.diagnostics import Diagnostic, Severity
from lora_lint.matching import compile_regex
from lora_lint.rules.context import RuleContext

CODE = "LL007"
NAME = "unused-pattern"
SEVERITY = Severity.WARNING
SUMMARY = "a rank_pattern or alpha_pattern key selects no targeted module"


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    pred = ctx.prediction
    if pred is None or not pred.ok or not ctx.spec.peft_applies:
        return
    keys = [w.key for w in pred.wrapped]
    for field in ("rank_pattern", "alpha_pattern"):
        found = ctx.spec.fields.get(field)
        if found is None or not isinstance(found.value, dict):
            continue
        for key in found.value:
            compiled = compile_regex(rf"(.*\.)?({key})$")
            if compiled is None or any(compiled.match(k) for k in keys):
                continue
            span = ctx.doc.key_span((*found.path, key)) if found.path is not None else found.span(ctx.doc)
            yield ctx.report(
                CODE,
                span,
                f"{field} key `{key}` matches none of the {len(keys)} modules PEFT would wrap",
                "keys are regexes matched at the end of a wrapped module's name, "
                "after a dot: `v_proj`, `layers\\.0\\..*`; a partial name such as `proj` never matches",
            )
