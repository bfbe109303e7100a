"""PEFT ``adapter_config.json`` files and any mapping, at any depth, shaped like a LoraConfig."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from lora_lint.extract.spec import ALL_FIELDS, Field, LoraSpec, ModelRef
from lora_lint.load.document import Document, KeyPath, mappings

NAME = "peft"

# Keys that, next to target_modules, make a mapping a LoraConfig.
_LORA_MARKERS = frozenset(
    {
        "r",
        "lora_alpha",
        "lora_dropout",
        "peft_type",
        "bias",
        "use_dora",
        "use_rslora",
        "modules_to_save",
        "layers_to_transform",
        "rank_pattern",
        "alpha_pattern",
        "exclude_modules",
        "init_lora_weights",
        "fan_in_fan_out",
        "task_type",
    }
)
MODEL_KEYS = (
    "base_model_name_or_path",
    "base_model",
    "model_name_or_path",
    "pretrained_model_name_or_path",
    "model_name",
    "model_id",
)
_NESTED_MODEL_KEYS = ("name_or_path", "pretrained_model_name_or_path", "model_name_or_path", "path", "id")


def is_lora_mapping(mapping: dict[Any, Any]) -> bool:
    keys = {k for k in mapping if isinstance(k, str)}
    peft_type = mapping.get("peft_type")
    if isinstance(peft_type, str):
        return peft_type.upper() == "LORA"
    if keys & {"target_modules", "target_parameters"}:
        return bool(keys & _LORA_MARKERS)
    # A misspelt target_modules still counts when the mapping is clearly a LoraConfig.
    return {"r", "lora_alpha"} <= keys


def _lookup(data: Any, path: KeyPath) -> Any:
    for part in path:
        data = data[part]
    return data


def find_model(doc: Document, location: KeyPath, keys: tuple[str, ...] = MODEL_KEYS) -> ModelRef | None:
    """The nearest base-model reference: in the mapping itself, then in each enclosing mapping."""
    for cut in range(len(location), -1, -1):
        scope = location[:cut]
        mapping = _lookup(doc.data, scope)
        if not isinstance(mapping, dict):
            continue
        for key in (*keys, "model"):
            value = mapping.get(key)
            if isinstance(value, str) and value.strip():
                return ModelRef(value.strip(), (*scope, key), key)
            if key == "model" and isinstance(value, dict):
                for sub in _NESTED_MODEL_KEYS:
                    inner = value.get(sub)
                    if isinstance(inner, str) and inner.strip():
                        return ModelRef(inner.strip(), (*scope, key, sub), f"{key}.{sub}")
    return None


def spec_from_mapping(
    doc: Document, location: KeyPath, mapping: dict[Any, Any], framework: str = NAME
) -> LoraSpec:
    spec = LoraSpec(document=doc, framework=framework, location=location)
    for key, value in mapping.items():
        if not isinstance(key, str):
            continue
        if key in ALL_FIELDS:
            spec.fields[key] = Field(value, (*location, key))
        else:
            close = difflib.get_close_matches(key, sorted(ALL_FIELDS), n=1, cutoff=0.8)
            if close or "peft_type" in mapping:
                spec.unknown_keys.append((key, (*location, key)))
    task = mapping.get("task_type")
    spec.task_type = task.upper() if isinstance(task, str) else None
    spec.model = find_model(doc, location)
    return spec


def extract(doc: Document) -> Iterator[LoraSpec]:
    for location, mapping in mappings(doc.data):
        if is_lora_mapping(mapping):
            yield spec_from_mapping(doc, location, mapping)
