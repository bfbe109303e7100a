"""LL010 remote-code-required: the base model's architecture lives in code in its repository.

What it does
    Reports a model whose config.json names a ``model_type`` that transformers does not ship and
    that is defined by ``auto_map`` code in the model repository. lora-lint never runs such code
    unless ``--trust-remote-code`` is given on the command line; a key in a config file (for
    example axolotl's ``trust_remote_code: true``) never enables it, so a pull request cannot make
    CI run code.

Why is this bad
    The module tree is unknown, so targets were not verified.

Example
    base_model_name_or_path: ./models/custom-arch    # config.json with auto_map
    r: 8
    target_modules: [Wqkv]

Use instead
    lora-lint --trust-remote-code configs/          # only for models you trust
"""

from __future__ import annotations

from collections.abc import Iterator

from lora_lint.diagnostics import Diagnostic, Severity
from lora_lint.rules.context import RuleContext

CODE = "LL010"
NAME = "remote-code-required"
SEVERITY = Severity.WARNING
SUMMARY = "the model needs code from its repository, which lora-lint runs only with --trust-remote-code"


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    error = ctx.build_error
    if error is None or not error.remote_code:
        return
    span = ctx.model_span()
    yield ctx.report(
        CODE,
        span,
        f"base model `{ctx.model_ref}`: {error.message}; targets were not verified",
        "pass `--trust-remote-code` on the command line if you trust this repository (local model folders only)",
    )
