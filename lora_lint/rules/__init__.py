"""The rule registry: one module per rule, listed explicitly, one line each.

A rule module has ``CODE``, ``NAME``, ``SEVERITY``, ``SUMMARY``, a docstring with the sections
*What it does / Why is this bad / Example / Use instead*, and ``check(ctx) -> Iterator[Diagnostic]``.
"""

from __future__ import annotations

from types import ModuleType

from lora_lint.rules import (
    ll000_parse_error,
    ll001_unknown_target,
    ll002_ambiguous_target,
    ll003_unsupported_module,
    ll004_head_or_embedding,
    ll005_bad_regex,
    ll006_layer_selection,
    ll007_unused_pattern,
    ll008_invalid_value,
    ll009_model_unresolved,
    ll010_remote_code_required,
    ll011_framework_trap,
    ll012_duplicate_key,
    ll013_peft_error,
    ll014_incomplete_model_config,
    ll100_unused_suppression,
)

RULES: dict[str, ModuleType] = {
    module.CODE: module
    for module in (
        ll000_parse_error,
        ll001_unknown_target,
        ll002_ambiguous_target,
        ll003_unsupported_module,
        ll004_head_or_embedding,
        ll005_bad_regex,
        ll006_layer_selection,
        ll007_unused_pattern,
        ll008_invalid_value,
        ll009_model_unresolved,
        ll010_remote_code_required,
        ll011_framework_trap,
        ll012_duplicate_key,
        ll013_peft_error,
        ll014_incomplete_model_config,
        ll100_unused_suppression,
    )
}


def get(code: str) -> ModuleType:
    try:
        return RULES[code]
    except KeyError:
        raise KeyError(f"unknown rule code {code!r}") from None


def by_name(name_or_code: str) -> ModuleType | None:
    key = name_or_code.strip()
    if key.upper() in RULES:
        return RULES[key.upper()]
    return next((r for r in RULES.values() if key == r.NAME), None)


def checks() -> list[ModuleType]:
    """Rules that inspect a LoRA config (LL000 is produced by the loader)."""
    return [rule for rule in RULES.values() if hasattr(rule, "check")]
