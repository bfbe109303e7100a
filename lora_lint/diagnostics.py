"""The one result type every stage produces: a frozen, sortable Diagnostic."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """Ordered so that ``severity >= threshold`` means "at or above"."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or info)") from None


@dataclass(frozen=True, order=True)
class Span:
    """A 1-based region of a source file; ``end_column`` is exclusive."""

    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1


@dataclass(frozen=True)
class Diagnostic:
    path: str
    span: Span
    code: str
    name: str
    severity: Severity
    message: str
    help: str | None = None
    extra: tuple[tuple[str, object], ...] = field(default=(), compare=False)

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.span.line, self.span.column, self.code, self.message)

    def with_severity(self, severity: Severity) -> Diagnostic:
        return Diagnostic(
            self.path, self.span, self.code, self.name, severity, self.message, self.help, self.extra
        )


def sort_unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Sort by position and code and drop exact repeats."""
    seen: set[tuple[object, ...]] = set()
    out: list[Diagnostic] = []
    for diag in sorted(diagnostics, key=lambda d: d.sort_key):
        key = (diag.path, diag.span, diag.code, diag.message)
        if key not in seen:
            seen.add(key)
            out.append(diag)
    return out
