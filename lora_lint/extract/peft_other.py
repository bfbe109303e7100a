"""PEFT ``adapter_config.json`` files of methods other than LoRA (IA3, prompt tuning, LoKr, ...).

They are recognised by ``peft_type`` and skipped with an info note, so that their keys are not
misread as a LoRA config (and mlx-lm's file of the same name, which has no ``peft_type``, is left
to the mlx-lm adapter).
"""

from __future__ import annotations

from collections.abc import Iterator

from lora_lint.diagnostics import Severity
from lora_lint.extract import _common as c
from lora_lint.extract.spec import LoraSpec
from lora_lint.load.document import Document

NAME = "peft"


def extract(doc: Document) -> Iterator[LoraSpec]:
    data = c.mapping(doc.data)
    peft_type = data.get("peft_type") if data else None
    if not isinstance(peft_type, str) or peft_type.strip().upper() == "LORA":
        return
    spec = LoraSpec(document=doc, framework=NAME, location=())
    spec.peft_applies = False
    spec.validate = False
    c.note(
        spec,
        f"PEFT method `{peft_type}` is not LoRA; lora-lint checks LoRA configs only, so this file "
        "was skipped",
        None,
        ("peft_type",),
        Severity.INFO,
    )
    yield spec
