"""A small JSON parser that keeps the span of every key and value.

PyYAML cannot read tab-indented JSON, and the standard library keeps no positions, so JSON
gets its own recursive-descent parser. Strings are decoded by ``json.loads`` on the raw token,
so escapes behave exactly as in the standard library.
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Any

from lora_lint.diagnostics import Span
from lora_lint.load.document import MAX_DEPTH, Document, Duplicate, KeyPath, LoadError

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_LITERALS = {
    "true": True,
    "false": False,
    "null": None,
    "NaN": float("nan"),
    "Infinity": float("inf"),
    "-Infinity": float("-inf"),
}


class _Parser:
    def __init__(self, text: str, doc: Document) -> None:
        self.text = text
        self.doc = doc
        self.pos = 0
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.written: list[KeyPath] = []  # every path given a span, in order
        self.ranges: dict[KeyPath, tuple[int, int]] = {}  # key path -> its value's slice of written

    def where(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return line + 1, offset - self.line_starts[line] + 1

    def span(self, start: int, end: int) -> Span:
        line, col = self.where(start)
        end_line, end_col = self.where(end)
        return Span(line, col, end_line, end_col)

    def fail(self, message: str, offset: int | None = None) -> LoadError:
        offset = self.pos if offset is None else offset
        return LoadError(message, self.span(offset, min(offset + 1, len(self.text))))

    def skip_ws(self) -> None:
        match = _WS.match(self.text, self.pos)
        assert match is not None
        self.pos = match.end()

    def value(self, path: KeyPath, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise self.fail(f"document is nested deeper than {MAX_DEPTH} levels")
        self.skip_ws()
        start = self.pos
        if start >= len(self.text):
            raise self.fail("expected a value, found the end of the file")
        char = self.text[start]
        if char == "{":
            result: Any = self.obj(path, depth)
        elif char == "[":
            result = self.array(path, depth)
        elif char == '"':
            result = self.string()
        else:
            match = _NUMBER.match(self.text, start)
            if match:
                token = match.group()
                self.pos = match.end()
                try:
                    result = float(token) if any(c in token for c in ".eE") else int(token)
                except ValueError:  # more digits than Python converts to an int
                    raise self.fail(f"number with {len(token):,} characters is too long", start) from None
            else:
                for word, literal in _LITERALS.items():
                    if self.text.startswith(word, start):
                        self.pos = start + len(word)
                        result = literal
                        break
                else:
                    raise self.fail(f"unexpected character {char!r}")
        self.doc.spans[path] = self.span(start, self.pos)
        self.written.append(path)
        return result

    def string(self) -> str:
        match = _STRING.match(self.text, self.pos)
        if not match:
            raise self.fail("unterminated or invalid string")
        start, self.pos = self.pos, match.end()
        decoded: str = json.loads(match.group())
        if "\\u" in match.group():
            try:
                decoded.encode("utf-8")
            except UnicodeEncodeError:
                raise self.fail(
                    "string holds an unpaired surrogate escape (not valid Unicode)", start
                ) from None
        return decoded

    def expect(self, char: str) -> None:
        self.skip_ws()
        if not self.text.startswith(char, self.pos):
            found = self.text[self.pos] if self.pos < len(self.text) else "end of file"
            raise self.fail(f"expected {char!r}, found {found!r}")
        self.pos += 1

    def obj(self, path: KeyPath, depth: int) -> dict[str, Any]:
        self.pos += 1
        out: dict[str, Any] = {}
        first_seen: dict[str, Span] = {}
        self.skip_ws()
        if self.text.startswith("}", self.pos):
            self.pos += 1
            return out
        while True:
            self.skip_ws()
            key_start = self.pos
            if not self.text.startswith('"', key_start):
                raise self.fail("expected a string key")
            key = self.string()
            key_span = self.span(key_start, self.pos)
            key_path = (*path, key)
            if key in first_seen:
                self.doc.duplicates.append(Duplicate(key_path, key_span, first_seen[key]))
                self.forget(key_path)
            first_seen.setdefault(key, key_span)
            self.doc.key_spans[key_path] = key_span
            self.expect(":")
            begin = len(self.written)
            out[key] = self.value(key_path, depth + 1)
            self.ranges[key_path] = (begin, len(self.written))
            self.skip_ws()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            self.expect("}")
            return out

    def forget(self, key_path: KeyPath) -> None:
        """Drop the spans under a duplicate key's earlier value (linear overall)."""
        begin, end = self.ranges.pop(key_path, (0, 0))
        for stale in self.written[begin:end]:
            if stale != key_path:
                self.doc.spans.pop(stale, None)
                self.doc.key_spans.pop(stale, None)

    def array(self, path: KeyPath, depth: int) -> list[Any]:
        self.pos += 1
        out: list[Any] = []
        self.skip_ws()
        if self.text.startswith("]", self.pos):
            self.pos += 1
            return out
        while True:
            out.append(self.value((*path, len(out)), depth + 1))
            self.skip_ws()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            self.expect("]")
            return out


def load_json(path: str, text: str) -> list[Document]:
    if not text.strip():
        raise LoadError("file is empty: no JSON value")
    doc = Document(path=path, text=text, data=None, kind="json")
    parser = _Parser(text, doc)
    doc.data = parser.value((), 0)
    parser.skip_ws()
    if parser.pos != len(text):
        raise parser.fail("extra data after the JSON value")
    return [doc]
