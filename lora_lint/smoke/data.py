"""The fixed training batch: synthetic token ids, or rows of text from a local ``.jsonl`` file.

Without a tokenizer, text becomes its UTF-8 bytes folded into the vocabulary; with a local
model folder that has tokenizer files, its tokenizer is used. Labels follow the model's head:
next-token / masked-token prediction, class ids, token class ids, answer spans or, for a bare
encoder, a fixed random target for the hidden states.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_DATA_BYTES = 50 * 1024 * 1024
MAX_ROWS = 10_000

LM_HEADS = ("AutoModelForCausalLM", "AutoModelForMaskedLM", "AutoModelForSeq2SeqLM")


class DataError(Exception):
    """A ``--data`` file that cannot be used; ``line`` is 1-based (0: the whole file)."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")
        self.path = path
        self.line = line
        self.message = message


class UnsupportedModel(Exception):
    """The model's head is not one the smoke run knows how to feed."""


@dataclass
class Row:
    text: str
    label: int | None = None


@dataclass
class Batch:
    inputs: dict[str, Any]  # model inputs without targets (for comparing outputs)
    targets: dict[str, Any] = field(default_factory=dict)  # label keyword arguments
    language_model: bool = False  # the loss is a token cross-entropy: perplexity = exp(loss)
    source: str = "synthetic"

    def all(self) -> dict[str, Any]:
        return {**self.inputs, **self.targets}


def _row_text(value: Any) -> tuple[str, int | None] | None:
    if isinstance(value, str):
        return value, None
    if not isinstance(value, dict):
        return None
    label = value.get("label")
    label = label if isinstance(label, int) and not isinstance(label, bool) else None
    if isinstance(value.get("text"), str):
        return value["text"], label
    messages = value.get("messages") or value.get("conversations")
    if isinstance(messages, list):
        parts = [str(m.get("content", m.get("value", ""))) for m in messages if isinstance(m, dict)]
        return "\n".join(p for p in parts if p), label
    parts = [v for v in value.values() if isinstance(v, str)]
    return ("\n".join(parts), label) if parts else None


def read_jsonl(path: str) -> list[Row]:
    """Text rows of a JSON Lines file: ``text``, chat ``messages``, or all string fields joined."""
    file = Path(path)
    try:
        size = file.stat().st_size
    except OSError as exc:
        raise DataError(path, 0, f"cannot read: {exc.strerror or exc}") from None
    if size > MAX_DATA_BYTES:
        raise DataError(path, 0, f"{size:,} bytes, over the {MAX_DATA_BYTES:,}-byte limit for a smoke run")
    rows: list[Row] = []
    try:
        lines = file.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(path, 0, f"cannot read as UTF-8 text: {exc}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(path, number, f"not JSON: {exc.msg} (column {exc.colno})") from None
        found = _row_text(value)
        if found is None or not found[0].strip():
            raise DataError(
                path, number, "no text: expected a string, or an object with `text` or `messages`"
            )
        rows.append(Row(found[0], found[1]))
        if len(rows) >= MAX_ROWS:
            break
    if not rows:
        raise DataError(path, 0, "no rows")
    return rows


def _fit(ids: list[int], length: int) -> list[int]:
    """Cut to ``length``, repeating a short row as often as needed."""
    if not ids:
        ids = [0]
    out: list[int] = []
    while len(out) < length:
        out.extend(ids[: length - len(out)])
    return out


def encode(
    rows: list[Row], vocab: int, seq_len: int, batch_size: int, tokenizer: Any = None
) -> list[list[int]]:
    out: list[list[int]] = []
    for index in range(batch_size):
        text = rows[index % len(rows)].text
        if tokenizer is not None:
            ids = list(tokenizer(text, add_special_tokens=True)["input_ids"])
        else:
            ids = list(text.encode("utf-8"))
        out.append(_fit([i % vocab for i in ids], seq_len))
    return out


def token_indices(kwargs: dict[str, Any]) -> list[int]:
    """Token ids named by ``trainable_token_indices`` (a list, or a mapping of module -> list)."""
    value = kwargs.get("trainable_token_indices")
    lists = value.values() if isinstance(value, dict) else [value]
    out: list[int] = []
    for item in lists:
        if isinstance(item, list):
            out.extend(i for i in item if isinstance(i, int) and not isinstance(i, bool) and i >= 0)
    return sorted(set(out))


def make_batch(
    auto_class: str,
    config: Any,
    seq_len: int,
    batch_size: int,
    seed: int,
    device: Any,
    rows: list[Row] | None = None,
    tokenizer: Any = None,
    source: str = "synthetic",
    must_include: list[int] | None = None,
) -> Batch:
    """The fixed batch for ``auto_class`` (token ids drawn with ``seed`` when there are no rows)."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    vocab = int(getattr(config, "vocab_size", 0) or 256)
    pad = getattr(config, "pad_token_id", None)
    if rows is not None:
        ids = torch.tensor(encode(rows, vocab, seq_len, batch_size, tokenizer), dtype=torch.long)
    else:
        ids = torch.randint(0, vocab, (batch_size, seq_len), generator=gen)
        if isinstance(pad, int) and 0 <= pad < vocab and vocab > 1:
            ids[ids == pad] = (pad + 1) % vocab
    # Tokens the config trains by index must occur, or they could never get a gradient.
    wanted = [i for i in must_include or [] if i < vocab][: ids.numel()]
    if wanted:
        flat = ids.reshape(-1)
        flat[torch.linspace(0, flat.numel() - 1, len(wanted)).long()] = torch.tensor(wanted)
    inputs: dict[str, Any] = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    targets: dict[str, Any] = {}
    num_labels = int(getattr(config, "num_labels", 2) or 2)
    lm = False
    if auto_class in ("AutoModelForCausalLM", "AutoModelForMaskedLM"):
        targets["labels"] = ids.clone()
        lm = True
    elif auto_class == "AutoModelForSeq2SeqLM":
        labels = ids[:, : max(2, seq_len // 2)].clone()
        start = getattr(config, "decoder_start_token_id", None)
        start = start if isinstance(start, int) else 0
        # Decoder inputs are the labels shifted right, so outputs can be compared without labels.
        inputs["decoder_input_ids"] = torch.cat(
            [torch.full_like(labels[:, :1], start), labels[:, :-1]], dim=1
        )
        targets["labels"] = labels
        lm = True
    elif auto_class == "AutoModelForSequenceClassification":
        given = [r.label for r in rows[:batch_size]] if rows is not None else []
        if len(given) == batch_size and all(isinstance(x, int) and 0 <= x < num_labels for x in given):
            targets["labels"] = torch.tensor(given, dtype=torch.long)
        else:
            targets["labels"] = torch.randint(0, num_labels, (batch_size,), generator=gen)
    elif auto_class == "AutoModelForTokenClassification":
        targets["labels"] = torch.randint(0, num_labels, (batch_size, seq_len), generator=gen)
    elif auto_class == "AutoModelForQuestionAnswering":
        start = torch.randint(0, seq_len, (batch_size,), generator=gen)
        targets["start_positions"] = start
        targets["end_positions"] = torch.minimum(start + 2, torch.tensor(seq_len - 1))
    elif auto_class != "AutoModel":
        raise UnsupportedModel(f"smoke-training supports text models; {auto_class} is not one")
    move = {k: v.to(device) for k, v in inputs.items()}
    return Batch(move, {k: v.to(device) for k, v in targets.items()}, lm, source)
