"""Ludwig LLM YAML: ``model_type: llm``, ``base_model``, ``adapter: {type: lora, r, alpha, ...}``.

Ludwig maps its adapter section to ``LoraConfig`` (``alpha`` -> ``lora_alpha``, ``dropout`` ->
``lora_dropout``, ``bias_type`` -> ``bias``) and otherwise leaves targeting to PEFT; without
``target_modules`` PEFT's per-architecture default applies.
"""

from __future__ import annotations

from collections.abc import Iterator

from lora_lint.extract import _common as c
from lora_lint.extract.spec import Field, LoraSpec
from lora_lint.load.document import Document, KeyPath

NAME = "ludwig"

KEYS = {
    "r": "r",
    "alpha": "lora_alpha",
    "dropout": "lora_dropout",
    "target_modules": "target_modules",
    "use_rslora": "use_rslora",
    "use_dora": "use_dora",
    "init_lora_weights": "init_lora_weights",
    "bias_type": "bias",
}
DEFAULTS = {"r": 8, "lora_alpha": 16, "lora_dropout": 0.05}


def extract(doc: Document) -> Iterator[LoraSpec]:
    data = c.mapping(doc.data)
    if data is None or "base_model" not in data:
        return
    adapter = data.get("adapter")
    scope: KeyPath = ("adapter",)
    if isinstance(adapter, str) and adapter.strip().lower() == "lora" and data.get("model_type") == "llm":
        adapter = {"type": "lora"}
    if not isinstance(adapter, dict) or str(adapter.get("type", "")).lower() != "lora":
        return
    spec = LoraSpec(document=doc, framework=NAME, location=scope)
    spec.model = c.model_from(doc, (), ("base_model",))
    c.copy_keys(spec, adapter, scope, KEYS)
    for name, value in DEFAULTS.items():
        spec.fields.setdefault(name, Field(value))
    yield spec
