"""Training settings a config file may carry next to its LoRA config: learning rate, lengths, batch.

Keys are looked up from the LoRA mapping outwards (the mapping itself, then each enclosing
mapping), then anywhere in the document, so ``training.learning_rate`` is found for a LoRA block
at ``peft_config``. Values written as strings (YAML 1.1 reads ``2e-4`` as a string) are parsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lora_lint.load.document import Document, KeyPath, mappings, pointer

LR_KEYS = ("learning_rate", "lr")
SEQ_LEN_KEYS = ("sequence_len", "max_seq_length", "cutoff_len", "max_seq_len", "seq_length", "max_length")
BATCH_KEYS = ("micro_batch_size", "per_device_train_batch_size", "batch_size", "train_batch_size")


@dataclass(frozen=True)
class Found:
    value: float
    pointer: str


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _lookup(data: Any, path: KeyPath) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def find(doc: Document, location: KeyPath, keys: tuple[str, ...], positive: bool = True) -> Found | None:
    """The first numeric value under one of ``keys``, nearest to ``location`` first."""
    for cut in range(len(location), -1, -1):
        scope = location[:cut]
        mapping = _lookup(doc.data, scope)
        if isinstance(mapping, dict):
            for key in keys:
                number = _number(mapping.get(key))
                if number is not None and (number > 0 or not positive):
                    return Found(number, pointer((*scope, key)))
    for path, mapping in mappings(doc.data):
        for key in keys:
            number = _number(mapping.get(key))
            if number is not None and (number > 0 or not positive):
                return Found(number, pointer((*path, key)))
    return None


@dataclass(frozen=True)
class FileSettings:
    learning_rate: Found | None
    seq_len: Found | None
    batch_size: Found | None


def from_document(doc: Document, location: KeyPath) -> FileSettings:
    return FileSettings(
        learning_rate=find(doc, location, LR_KEYS),
        seq_len=find(doc, location, SEQ_LEN_KEYS),
        batch_size=find(doc, location, BATCH_KEYS),
    )
