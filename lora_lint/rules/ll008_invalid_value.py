"""LL008 invalid-value: a LoRA field with the wrong type or an impossible value, or an unknown key.

What it does
    Validates the LoRA fields with a JSON Schema (``r`` a positive integer, ``lora_dropout`` in
    [0, 1), ``bias`` one of ``none`` / ``all`` / ``lora_only``, names as strings, ...), reports
    keys that look like misspelt LoraConfig fields with a did-you-mean, and reports the errors that
    ``LoraConfig`` itself raises for the values given.

Why is this bad
    Some bad values raise only when the job starts; a misspelt key (``target_module``) is silently
    ignored, so PEFT falls back to its default targets.

Example
    base_model_name_or_path: gpt2
    r: 0
    target_module: [c_attn]

Use instead
    r: 8
    target_modules: [c_attn]
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from lora_lint.diagnostics import Diagnostic, Severity
from lora_lint.extract.spec import ALL_FIELDS, TASK_TYPES
from lora_lint.rules._schema_check import is_valid
from lora_lint.rules.context import RuleContext

CODE = "LL008"
NAME = "invalid-value"
SEVERITY = Severity.ERROR
SUMMARY = "a LoRA field has a wrong type or impossible value, or a key is a misspelt LoraConfig field"

_NAMES: dict[str, Any] = {
    "anyOf": [{"type": "null"}, {"type": "string"}, {"type": "array", "items": {"type": "string"}}]
}
_STR_LIST: dict[str, Any] = {"anyOf": [{"type": "null"}, {"type": "array", "items": {"type": "string"}}]}
_BOOL: dict[str, Any] = {"type": "boolean"}
_INT_GE0: dict[str, Any] = {"type": "integer", "minimum": 0}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "r": {"type": "integer", "minimum": 1},
        "lora_alpha": {"type": "number"},
        "lora_dropout": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
        "bias": {"enum": ["none", "all", "lora_only"]},
        "target_modules": _NAMES,
        "exclude_modules": _NAMES,
        "modules_to_save": _STR_LIST,
        "target_parameters": _STR_LIST,
        "fan_in_fan_out": _BOOL,
        "use_rslora": _BOOL,
        "use_dora": _BOOL,
        "lora_bias": _BOOL,
        "inference_mode": _BOOL,
        "ensure_weight_tying": _BOOL,
        "use_qalora": _BOOL,
        "init_lora_weights": {
            "anyOf": [
                _BOOL,
                {"enum": ["gaussian", "eva", "olora", "pissa", "corda", "loftq", "orthogonal", "mica"]},
                {"type": "string", "pattern": "^pissa_niter_[0-9]+$"},
            ]
        },
        "layers_to_transform": {"anyOf": [{"type": "null"}, _INT_GE0, {"type": "array", "items": _INT_GE0}]},
        "layers_pattern": _NAMES,
        "rank_pattern": {
            "anyOf": [
                {"type": "null"},
                {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}},
            ]
        },
        "alpha_pattern": {
            "anyOf": [{"type": "null"}, {"type": "object", "additionalProperties": {"type": "number"}}]
        },
        "task_type": {"anyOf": [{"type": "null"}, {"enum": list(TASK_TYPES)}]},
        "peft_type": {"type": "string"},
        "layer_replication": {
            "anyOf": [
                {"type": "null"},
                {
                    "type": "array",
                    "items": {"type": "array", "items": _INT_GE0, "minItems": 2, "maxItems": 2},
                },
            ]
        },
        "trainable_token_indices": {
            "anyOf": [
                {"type": "null"},
                {"type": "array", "items": _INT_GE0},
                {"type": "object", "additionalProperties": {"type": "array", "items": _INT_GE0}},
            ]
        },
        "qalora_group_size": {"type": "integer", "minimum": 1},
    },
}


@lru_cache(maxsize=1)
def _validator() -> Any:
    # Imported only for a config the quick check finds invalid: jsonschema takes ~0.1 s to import.
    from jsonschema import Draft202012Validator

    return Draft202012Validator(SCHEMA)


def _describe(error: Any) -> str:
    if error.validator == "enum":
        return "must be one of " + ", ".join(f"`{v}`" for v in error.validator_value)
    if error.validator == "anyOf":
        return "has the wrong type"
    bounds = {
        "minimum": "at least",
        "exclusiveMinimum": "above",
        "maximum": "at most",
        "exclusiveMaximum": "below",
    }
    if error.validator in bounds:
        return f"must be {bounds[error.validator]} {error.validator_value}"
    return str(error.message)


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    spec = ctx.spec
    if spec.validate:
        data = {name: field.value for name, field in spec.fields.items()}
        errors = [] if is_valid(data, SCHEMA) else _validator().iter_errors(data)
        for error in sorted(errors, key=lambda e: list(map(str, e.absolute_path))):
            path = list(error.absolute_path)
            if not path:
                continue
            name = str(path[0])
            field = spec.fields[name]
            if field.path is None:
                span = ctx.doc.span(spec.location)
            elif len(path) > 1 and name in {"rank_pattern", "alpha_pattern"}:
                span = ctx.doc.span((*field.path, *path[1:]))
            elif len(path) > 1 and isinstance(path[1], int):
                span = field.entry_span(ctx.doc, path[1])
            else:
                span = field.span(ctx.doc)
            shown = repr(error.instance) if not isinstance(error.instance, (dict, list)) else "value"
            yield ctx.report(CODE, span, f"`{name}` {shown} {_describe(error)}", None)
    for key, key_path in spec.unknown_keys:
        close = difflib.get_close_matches(key, sorted(ALL_FIELDS), n=1, cutoff=0.75)
        hint = f"did you mean `{close[0]}`?" if close else "LoraConfig has no such field; PEFT rejects it"
        yield ctx.report(
            CODE,
            ctx.doc.key_span(key_path),
            f"unknown LoRA key `{key}`",
            hint,
            severity=Severity.WARNING if close else Severity.ERROR,
        )
    pred = ctx.prediction
    if pred is not None and pred.failure is not None and pred.failure.kind == "config":
        yield ctx.report(
            CODE, ctx.doc.span(spec.location), f"LoraConfig rejects these values: {pred.failure.message}"
        )
