"""Python training scripts: parsed with ``ast`` only, never imported or executed.

The Document keeps the source text and the parsed module (``data``); the python adapter reads
literal ``LoraConfig(...)`` calls from it and records spans itself.
"""

from __future__ import annotations

import ast

from lora_lint.diagnostics import Span
from lora_lint.load.document import Document, LoadError


def load_python(path: str, text: str) -> list[Document]:
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        line = exc.lineno or 1
        col = exc.offset or 1
        raise LoadError(f"invalid Python: {exc.msg}", Span(line, col, line, col + 1)) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise LoadError(f"cannot parse Python: {type(exc).__name__}") from None
    return [Document(path=path, text=text, data=tree, kind="python")]
