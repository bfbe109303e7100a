"""SARIF 2.1.0, as GitHub code scanning and other SARIF viewers read it.

``tool.driver.rules`` lists every rule with its metadata and documentation (the same text as
``lora-lint rule CODE``); each result points at its rule by id and index, with a region.
Columns count Unicode code points, as the loaders do, so the run says ``unicodeCodePoints``.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePath, PurePosixPath
from typing import Any
from urllib.parse import quote

from lora_lint import __version__
from lora_lint.commands.rules_cmd import documentation, sections
from lora_lint.diagnostics import Diagnostic, Severity
from lora_lint.lint import LintResult
from lora_lint.rules import RULES

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_CODE_SECTIONS = frozenset({"Example", "Use instead"})


def _plain(text: str) -> str:
    """Docstring prose as one paragraph: reST double backticks become single ones."""
    return re.sub(r"``([^`]+)``", r"`\1`", " ".join(text.split()))


def help_markdown(code: str) -> str:
    parts: list[str] = []
    for name, body in sections(code).items():
        if name == "title":
            continue
        if name in _CODE_SECTIONS:
            parts.append(f"**{name}**\n\n```yaml\n{body}\n```")
        else:
            paragraphs = [_plain(p) for p in body.split("\n\n") if p.strip()]
            parts.append(f"**{name}**\n\n" + "\n\n".join(paragraphs))
    return "\n\n".join(parts)


def rule_descriptor(code: str) -> dict[str, Any]:
    rule = RULES[code]
    found = sections(code)
    full = _plain(found.get("What it does", "")) or rule.SUMMARY
    return {
        "id": rule.CODE,
        "name": rule.NAME,
        "shortDescription": {"text": rule.SUMMARY},
        "fullDescription": {"text": full},
        "help": {"text": documentation(code), "markdown": help_markdown(code)},
        "defaultConfiguration": {"level": LEVELS[rule.SEVERITY]},
        "properties": {"tags": ["lora", "peft", "correctness"]},
    }


def artifact_uri(path: str) -> dict[str, str]:
    pure = PurePath(path)
    if pure.is_absolute():
        return {"uri": pure.as_uri()}
    posix = PurePosixPath(*pure.parts).as_posix() if pure.parts else path
    return {"uri": quote(posix, safe="/"), "uriBaseId": "%SRCROOT%"}


def result_object(diag: Diagnostic, index: dict[str, int]) -> dict[str, Any]:
    span = diag.span
    region = {
        "startLine": span.line,
        "startColumn": span.column,
        "endLine": max(span.end_line, span.line),
        "endColumn": max(span.end_column, span.column + 1 if span.end_line == span.line else 1),
    }
    text = diag.message + (f"\nhelp: {diag.help}" if diag.help else "")
    out: dict[str, Any] = {
        "ruleId": diag.code,
        "level": LEVELS[diag.severity],
        "message": {"text": text},
        "locations": [{"physicalLocation": {"artifactLocation": artifact_uri(diag.path), "region": region}}],
    }
    if diag.code in index:
        out["ruleIndex"] = index[diag.code]
    return out


def document(result: LintResult) -> dict[str, Any]:
    codes = list(RULES)
    index = {code: i for i, code in enumerate(codes)}
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "lora-lint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [rule_descriptor(code) for code in codes],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [result_object(d, index) for d in result.diagnostics],
            }
        ],
    }


def render(result: LintResult) -> str:
    return json.dumps(document(result), indent=2) + "\n"
