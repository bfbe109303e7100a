"""Framework adapters: each turns a Document into normalised LoraSpecs.

An adapter is a module with ``NAME`` and ``extract(doc) -> Iterator[LoraSpec]``. They are tried in
order; the first that finds any config in a document wins, so the generic PEFT adapter comes last.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType

from lora_lint.extract import (
    axolotl,
    litgpt,
    llama_factory,
    ludwig,
    mlx_lm,
    peft,
    peft_other,
    python_ast,
    swift,
    torchtune,
    trl,
)
from lora_lint.extract.spec import LoraSpec
from lora_lint.load.document import Document

# Most specific first: each framework has keys the others lack; mlx-lm before PEFT because both
# write an adapter_config.json (PEFT's has `peft_type`).
ADAPTERS: list[ModuleType] = [
    torchtune,
    mlx_lm,
    litgpt,
    llama_factory,
    swift,
    ludwig,
    axolotl,
    trl,
    python_ast,
    peft_other,
    peft,
]

Extractor = Callable[[Document], Iterator[LoraSpec]]


def extract(doc: Document) -> list[LoraSpec]:
    for adapter in ADAPTERS:
        specs = list(adapter.extract(doc))
        if specs:
            return specs
    return []
