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


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """Escape control and invisible formatting characters that a config value could smuggle into a
    terminal or a CI log (newlines that start workflow commands, ANSI escapes, bidi overrides)."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char.isprintable() or char == " ":
            out.append(char)
        elif char in _ESCAPES:
            out.append(_ESCAPES[char])
        else:
            code = ord(char)
            out.append(
                f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
            )
    return "".join(out)


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", printable(self.message))
        if self.help is not None:
            object.__setattr__(self, "help", printable(self.help))

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
