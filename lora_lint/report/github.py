"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per diagnostic.

GitHub turns these into annotations on the pull request. Escaping follows the Actions toolkit:
in the message ``%``, CR and LF; in property values also ``:`` and ``,``. Columns are left out
when a span covers more than one line (GitHub ignores them there).
"""

from __future__ import annotations

from lora_lint.diagnostics import Diagnostic, Severity
from lora_lint.lint import LintResult

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(diag: Diagnostic) -> str:
    span = diag.span
    props = [("file", diag.path.replace("\\", "/")), ("line", str(span.line))]
    if span.end_line == span.line:
        props.append(("col", str(span.column)))
    props.append(("endLine", str(max(span.end_line, span.line))))
    if span.end_line == span.line:
        props.append(("endColumn", str(max(span.end_column, span.column))))
    props.append(("title", f"{diag.code} {diag.name}"))
    message = diag.message + (f"\nhelp: {diag.help}" if diag.help else "")
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{COMMANDS[diag.severity]} {rendered}::{escape_data(message)}"


def render(result: LintResult) -> str:
    return "".join(command(d) + "\n" for d in result.diagnostics)
