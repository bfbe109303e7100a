"""LL014 incomplete-model-config: transformers cannot build the base model from its config as written.

What it does
    Reports a base model whose config.json leaves a value unset that the model code needs
    (``head_dim: null``, ``num_key_value_heads: null``, a dropout rate or ``rope_theta`` a
    sub-config lacks, rotary parameters for a layer type). lora-lint fills the value by the
    convention transformers follows elsewhere (``hidden_size // num_attention_heads``, no grouped-query
    attention, no dropout, the default rotary embedding), builds the structure and checks the targets
    on it, and says what it assumed.

Why is this bad
    Loading the model for training fails the same way: ``from_pretrained`` builds the model from the
    same config. Where the assumed value sets a module's shape (``head_dim``, ``num_key_value_heads``),
    the parameter counts hold only if the real model uses that value.

Example
    base_model_name_or_path: ./my-ministral     # its config.json has "head_dim": null
    r: 8
    target_modules: [q_proj, v_proj]

Use instead
    # in ./my-ministral/config.json: "head_dim": 128 (the model's real value)
"""

from __future__ import annotations

from collections.abc import Iterator

from lora_lint.diagnostics import Diagnostic, Severity
from lora_lint.models.completions import describe
from lora_lint.rules.context import RuleContext

CODE = "LL014"
NAME = "incomplete-model-config"
SEVERITY = Severity.WARNING
SUMMARY = "transformers cannot build the base model from its config as written; lora-lint assumed a value"


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    inv = ctx.inventory
    if inv is None or not inv.assumed:
        return
    yield ctx.report(
        CODE,
        ctx.model_span(),
        f"transformers cannot build `{ctx.model_ref}` from its config as written ({inv.build_problem}); "
        f"targets were checked with {describe(inv.assumed)}",
        "set the real value in the model's config.json: loading the model for training fails the same way",
    )
