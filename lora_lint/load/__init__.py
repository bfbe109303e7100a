"""Read a file into Documents with spans, or a LoadError with a position."""

from __future__ import annotations

import os

from lora_lint.diagnostics import Span
from lora_lint.load.document import Document, KeyPath, LoadError, pointer
from lora_lint.load.json_loader import load_json
from lora_lint.load.yaml_loader import load_yaml

__all__ = ["Document", "KeyPath", "LoadError", "load_path", "load_text", "pointer"]

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


def load_text(path: str, text: str) -> list[Document]:
    text = text.removeprefix("\ufeff")
    if path.endswith(".json"):
        return load_json(path, text)
    if path.endswith(".py"):
        from lora_lint.load.python_loader import load_python

        return load_python(path, text)
    return load_yaml(path, text)


def read_text(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from None
    if size > max_bytes:
        raise LoadError(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit (--max-file-size)")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from None
    if b"\x00" in raw[:8192]:
        raise LoadError("file is binary (contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return _raise_decode(line, exc)


def _raise_decode(line: int, exc: UnicodeDecodeError) -> str:
    raise LoadError(f"file is not valid UTF-8 ({exc.reason} at byte {exc.start})", Span(line, 1, line, 2))


def load_path(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Document]:
    return load_text(path, read_text(path, max_bytes))
