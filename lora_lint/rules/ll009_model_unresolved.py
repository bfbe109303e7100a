"""LL009 model-unresolved: the base model could not be found or built, so targets were not checked.

What it does
    Reports a config whose base model is missing, not a local folder, not in the Hugging Face cache,
    not in the bundled catalogue and not reachable on the hub (or ``--offline`` was given), or
    whose config.json cannot be built into a model (unknown model_type, inconsistent sizes).

Why is this bad
    Nothing about the targets can be verified. It is informational by default and fails the run
    with ``--strict``; map private models to a local config.json with ``--model`` or the ``models``
    setting.

Example
    base_model_name_or_path: my-org/private-model
    r: 8
    target_modules: [q_proj]

Use instead
    lora-lint --model path/to/private-model/config.json adapter.yaml
"""

from __future__ import annotations

from collections.abc import Iterator

from lora_lint.diagnostics import Diagnostic, Severity
from lora_lint.rules.context import RuleContext

CODE = "LL009"
NAME = "model-unresolved"
SEVERITY = Severity.INFO
SUMMARY = "the base model could not be resolved or built; targets were not verified"


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    severity = Severity.WARNING if ctx.options.strict else None
    span = ctx.model_span()
    if ctx.model_ref is None:
        if ctx.spec.peft_applies:
            yield ctx.report(
                CODE,
                span,
                "no base model named in the config; targets were not verified",
                "add `base_model_name_or_path`, or pass `--model ID`",
                severity,
            )
        return
    if ctx.resolved is not None and not ctx.resolved.ok:
        yield ctx.report(
            CODE,
            span,
            f"base model `{ctx.model_ref}` not resolved: {ctx.resolved.problem}",
            "use a local folder or config.json, `--model`, or drop `--offline` to fetch config.json "
            "from the hub",
            severity,
        )
    elif ctx.build_error is not None and not ctx.build_error.remote_code:
        yield ctx.report(
            CODE,
            span,
            f"base model `{ctx.model_ref}` cannot be built: {ctx.build_error.message}",
            None,
            severity,
        )
