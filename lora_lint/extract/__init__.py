"""Framework adapters: each turns a Document into normalised LoraSpecs.

An adapter is a module with ``NAME`` and ``extract(doc) -> Iterator[LoraSpec]``. They are tried in
order; the first that finds any config in a document wins, so the generic PEFT adapter comes last.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType

from lora_lint.extract import peft
from lora_lint.extract.spec import LoraSpec
from lora_lint.load.document import Document

ADAPTERS: list[ModuleType] = [peft]

Extractor = Callable[[Document], Iterator[LoraSpec]]


def extract(doc: Document) -> list[LoraSpec]:
    for adapter in ADAPTERS:
        specs = list(adapter.extract(doc))
        if specs:
            return specs
    return []
