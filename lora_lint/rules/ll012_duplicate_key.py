"""LL012 duplicate-key: a key is written twice in one mapping, and the later value silently wins.

What it does
    Reports every key that appears more than once in the same mapping, at its later occurrence
    and naming the line of the first, in any YAML or JSON document that holds a LoRA config
    (top-level and nested keys alike, every document of a multi-document YAML file). Documents
    without a LoRA config are left to general-purpose linters such as yamllint.

Why is this bad
    PyYAML, ``json.load`` and PEFT's ``from_pretrained`` keep the last value without a word, so a
    second ``target_modules`` hides the first list: the adapter trains other modules than the ones
    you read at the top of the file. The YAML specification requires keys to be unique.

Example
    target_modules: [q_proj, v_proj]
    r: 16
    target_modules: [o_proj]

Use instead
    target_modules: [q_proj, v_proj, o_proj]
    r: 16
"""

from __future__ import annotations

from collections.abc import Iterator

from lora_lint.diagnostics import Diagnostic, Severity
from lora_lint.load.document import Document, KeyPath

CODE = "LL012"
NAME = "duplicate-key"
SEVERITY = Severity.ERROR
SUMMARY = "a key is written twice in one mapping; the later value silently replaces the first"


def _label(path: KeyPath) -> str:
    return ".".join(
        f"[{part}]" if isinstance(part, int) and not isinstance(part, bool) else str(part) for part in path
    )


def check_document(doc: Document, path: str) -> Iterator[Diagnostic]:
    """Duplicates the loader recorded in one document (called for documents holding a LoRA config)."""
    seen: set[tuple[int, int]] = set()
    for dup in doc.duplicates:
        ident = (dup.span.line, dup.span.column)
        if ident in seen:  # a mapping merged in elsewhere (YAML `<<`) records the same key again
            continue
        seen.add(ident)
        yield Diagnostic(
            path,
            dup.span,
            CODE,
            NAME,
            SEVERITY,
            f"key `{_label(dup.path)}` is repeated (first at line {dup.first.line}); "
            "the later value silently replaces the earlier one",
            "keep one of them, or merge the two values into one",
        )
