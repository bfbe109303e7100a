"""LL100 unused-suppression: a ``# lora-lint: disable`` comment that silences nothing.

What it does
    After the other rules ran, checks every suppression comment in a YAML file
    (``# lora-lint: disable=LL002`` on a line or the line above it, ``# lora-lint: disable-file``)
    and reports codes that matched no diagnostic, unknown codes, and malformed directives. Codes
    that are switched off for the file by ``select``, ``ignore`` or ``per-file-ignores`` are not
    reported.

Why is this bad
    A suppression outlives the problem it hid: once the target is fixed, the comment would go on
    hiding the next real problem on that line. A misspelt code suppresses nothing at all.

Example
    base_model_name_or_path: gpt2
    r: 8
    target_modules: [c_attn]   # lora-lint: disable=LL002

Use instead
    target_modules: [c_attn]
"""

from __future__ import annotations

from lora_lint.diagnostics import Diagnostic, Severity, Span

CODE = "LL100"
NAME = "unused-suppression"
SEVERITY = Severity.WARNING
SUMMARY = "a `# lora-lint: disable` comment suppresses nothing, names an unknown code, or is malformed"


def diagnostic(path: str, span: Span, message: str, help: str | None = None) -> Diagnostic:
    return Diagnostic(path, span, CODE, NAME, SEVERITY, message, help)
