"""litgpt YAML (``litgpt finetune lora``): ``checkpoint_dir`` and boolean switches.

``lora_query``, ``lora_key``, ``lora_value``, ``lora_projection``, ``lora_mlp``, ``lora_head``
pick parts of litgpt's own ``GPT`` model (defaults: query and value on). A name cannot be wrong,
only the switches; all off means no LoRA layer and nothing to train. PEFT is not involved; where
the base model (``checkpoint_dir: checkpoints/<org>/<name>``) is known, an equivalent PEFT spec
on the transformers model fills in modules and counts (litgpt fuses q/k/v into one layer, so the
counts are equivalents, not litgpt's own numbers).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import partial
from typing import Any

from lora_lint.diagnostics import Severity
from lora_lint.extract import _common as c
from lora_lint.extract.spec import Field, LoraSpec, ModelRef
from lora_lint.load.document import Document
from lora_lint.models.inventory import Inventory

NAME = "litgpt"

SWITCHES = {
    "lora_query": (("q", "qkv"), True),
    "lora_key": (("k", "qkv"), False),
    "lora_value": (("v", "qkv"), True),
    "lora_projection": (("o",), False),
    "lora_mlp": (("gate", "up", "down", "gate_up"), False),
    "lora_head": ((), False),
}
_OTHER_LORA_KEYS = {"lora_r", "lora_alpha", "lora_dropout"}


def _is_litgpt(data: dict[Any, Any]) -> bool:
    return "checkpoint_dir" in data and any(key in data for key in SWITCHES)


def _equivalent(on: list[str], spec: LoraSpec, inv: Inventory) -> None:
    modules: list[str] = []
    for key in on:
        kinds = SWITCHES[key][0]
        if key == "lora_head":
            if inv.output_embedding:
                modules.append(inv.output_embedding)
            continue
        if key == "lora_mlp":
            modules.extend(c.language_role_modules(inv, kinds))
            continue
        for kind in kinds:
            found = c.language_role_modules(inv, [kind])
            if found:
                modules.extend(found)
                break
    spec.fields["target_modules"] = Field(sorted(set(modules)), None)
    spec.equivalent = bool(modules)


def extract(doc: Document) -> Iterator[LoraSpec]:
    data = c.mapping(doc.data)
    if data is None or not _is_litgpt(data):
        return
    spec = LoraSpec(document=doc, framework=NAME, location=())
    spec.peft_applies = False
    spec.validate = False
    folder = data.get("checkpoint_dir")
    if isinstance(folder, str) and folder.strip():
        parts = folder.strip().rstrip("/").split("/")
        model_id = "/".join(parts[-2:]) if len(parts) >= 2 else parts[-1]
        spec.model = ModelRef(model_id, ("checkpoint_dir",), "checkpoint_dir")
    if "lora_r" in data:
        spec.fields["r"] = Field(data["lora_r"], ("lora_r",))
    on = [key for key, (_k, default) in SWITCHES.items() if c.truthy(data.get(key, default))]
    for key in data:
        if (
            isinstance(key, str)
            and key.startswith("lora_")
            and key not in SWITCHES
            and key not in _OTHER_LORA_KEYS
        ):
            close = difflib.get_close_matches(key, list(SWITCHES), n=1, cutoff=0.6)
            c.note(
                spec,
                f"litgpt rejects the unknown key `{key}` when it starts; its LoRA switches are "
                f"{c.names(SWITCHES)}",
                f"did you mean `{close[0]}`?" if close else None,
                (key,),
                Severity.ERROR,
                span=doc.key_span((key,)),
            )
    if not on:
        c.note(
            spec,
            "every litgpt LoRA switch is off: no LoRA layer is added and nothing trains",
            "turn on at least `lora_query` and `lora_value`",
            next(((key,) for key in SWITCHES if key in data), ()),
            Severity.ERROR,
        )
    spec.expand = partial(_equivalent, on)
    yield spec
