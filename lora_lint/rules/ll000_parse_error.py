"""LL000 parse-error: the file cannot be read as YAML or JSON (or at all).

What it does
    Reports syntax errors at their line and column, and files that are empty of content, binary,
    not UTF-8, too large, nested too deeply, alias bombs, or that use tags which would construct
    Python objects (never built).

Why is this bad
    Your training framework will fail to read the file, or read something else than you think.

Example
    target_modules: [q_proj, v_proj

Use instead
    target_modules: [q_proj, v_proj]
"""

from __future__ import annotations

from lora_lint.diagnostics import Diagnostic, Severity, Span

CODE = "LL000"
NAME = "parse-error"
SEVERITY = Severity.ERROR
SUMMARY = "the file is not valid YAML or JSON, or cannot be read"


def diagnostic(path: str, span: Span, message: str) -> Diagnostic:
    return Diagnostic(path, span, CODE, NAME, SEVERITY, message, None)
