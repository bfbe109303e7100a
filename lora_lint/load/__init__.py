"""Read a file into Documents with spans, or a LoadError with a position."""

from __future__ import annotations

import os
import stat

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


_UTF16_32_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def _os_error(what: str, exc: OSError) -> LoadError:
    return LoadError(f"cannot read {what}: {exc.strerror or exc}")


def read_text(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The file's text, or a LoadError: missing, unreadable, not a regular file, too large, binary,
    not UTF-8. The size is checked before reading, and FIFOs and devices are never opened."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _os_error("file", exc) from None
    except ValueError as exc:  # an embedded NUL byte in the path
        raise LoadError(f"cannot read file: {exc}") from None
    if stat.S_ISDIR(info.st_mode):
        try:
            os.listdir(path)
        except OSError as exc:
            raise _os_error("folder", exc) from None
        raise LoadError("is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise LoadError("not a regular file (a FIFO, socket or device); not read")
    if info.st_size > max_bytes:
        raise LoadError(
            f"file is {info.st_size:,} bytes, over the {max_bytes:,}-byte limit (--max-file-size)"
        )
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise _os_error("file", exc) from None
    if len(raw) > max_bytes:  # it grew after the size check
        raise LoadError(f"file is over the {max_bytes:,}-byte limit (--max-file-size)")
    for bom, encoding in _UTF16_32_BOMS:
        if raw.startswith(bom):
            raise LoadError(f"file is {encoding} (byte order mark); lora-lint reads UTF-8 files only")
    if b"\x00" in raw[:8192]:
        raise LoadError("file is binary (contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _decode_error(raw, exc) from None


def _decode_error(raw: bytes, exc: UnicodeDecodeError) -> LoadError:
    line_start = raw.rfind(b"\n", 0, exc.start) + 1
    line = raw.count(b"\n", 0, exc.start) + 1
    column = len(raw[line_start : exc.start].decode("utf-8", "replace")) + 1
    return LoadError(
        f"file is not valid UTF-8 ({exc.reason} at byte {exc.start})", Span(line, column, line, column + 1)
    )


def load_path(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Document]:
    return load_text(path, read_text(path, max_bytes))
