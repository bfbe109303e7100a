"""The JSON report: a public contract. Fields may be added, never renamed or removed."""

from __future__ import annotations

import json
from typing import Any

from lora_lint.diagnostics import Diagnostic
from lora_lint.lint import LintResult
from lora_lint.report.versions import tools

SCHEMA_VERSION = 1


def diagnostic_json(diag: Diagnostic) -> dict[str, Any]:
    return {
        "path": diag.path,
        "line": diag.span.line,
        "column": diag.span.column,
        "end_line": diag.span.end_line,
        "end_column": diag.span.end_column,
        "code": diag.code,
        "name": diag.name,
        "severity": diag.severity.label,
        "message": diag.message,
        "help": diag.help,
    }


def document(result: LintResult) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "tools": tools(),
        "files": [
            {"path": f.path, "configs": [c.as_json() for c in f.configs]} for f in result.files if f.configs
        ],
        "diagnostics": [diagnostic_json(d) for d in result.diagnostics],
    }


def render(result: LintResult) -> str:
    return json.dumps(document(result), indent=2) + "\n"
