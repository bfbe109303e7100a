"""Reporters: a name -> renderer table. A renderer turns a LintResult into the text to print."""

from __future__ import annotations

from collections.abc import Callable

from lora_lint.lint import LintResult
from lora_lint.report import github, json_report, sarif, text

Renderer = Callable[[LintResult], str]

REPORTERS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_report.render,
    "github": github.render,
    "sarif": sarif.render,
}
