"""Property tests for the positional YAML and JSON loaders.

- Values round-trip: what the loaders build equals ``yaml.safe_load`` / ``json.loads`` of the same text.
- Every recorded position lies inside the file, and every recorded path exists in the value.
- Arbitrary text and bytes either load or raise LoadError (with a position inside the file);
  nothing else ever escapes.

``LORA_LINT_FUZZ_SCALE`` multiplies the number of examples (default 1, sized for CI). Under CI (``CI`` set)
the examples are derandomized, so a run fails only on a change; locally each run explores new ones.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from reliability_helpers import fuzz

from lora_lint.diagnostics import Span
from lora_lint.load import LoadError, load_path, load_text
from lora_lint.load.document import Document

FUZZ = fuzz(200, [HealthCheck.too_slow, HealthCheck.data_too_large])
# Line breaks as YAML counts them (PyYAML also breaks lines at NEL, LS and PS).
LINE_BREAKS = ("\r\n", "\r", "\x85", "\u2028", "\u2029")

keys = st.text(min_size=0, max_size=12).filter(lambda k: k not in ("<<", "="))
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=25,
)


def _lines(text: str, kind: str) -> list[str]:
    """JSON breaks lines at LF only (CR is whitespace inside a line); YAML at every YAML break."""
    if kind == "yaml":
        for brk in LINE_BREAKS:
            text = text.replace(brk, "\n")
    return text.split("\n")


def _inside(span: Span, lines: list[str]) -> bool:
    def ok(line: int, column: int) -> bool:
        return 1 <= line <= len(lines) and 1 <= column <= len(lines[line - 1]) + 1

    return (
        ok(span.line, span.column)
        and ok(span.end_line, span.end_column)
        and ((span.line, span.column) <= (span.end_line, span.end_column))
    )


def _lookup(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def check_document(doc: Document) -> None:
    lines = _lines(doc.text, doc.kind)
    for table in (doc.spans, doc.key_spans):
        for path, span in table.items():
            assert _inside(span, lines), (path, span)
    if not doc.duplicates:
        for path in doc.spans:
            _lookup(doc.data, path)  # raises if a recorded path is not in the value


def same(a: Any, b: Any) -> bool:
    """Equality that treats -0.0 and 0.0 as YAML/JSON do, and matches floats exactly otherwise."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isinf(a) and math.isinf(b) and (a > 0) == (b > 0))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@FUZZ
@given(value=values, flow=st.booleans(), unicode=st.booleans(), width=st.sampled_from([20, 80, 10**6]))
def test_yaml_round_trip(value: Any, flow: bool, unicode: bool, width: int) -> None:
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=unicode, sort_keys=False, width=width)
    [doc] = load_text("x.yaml", text)
    expected = yaml.load(text, Loader=yaml.CSafeLoader)
    assert same(doc.data, expected), (doc.data, expected)
    check_document(doc)


@FUZZ
@given(value=values, indent=st.sampled_from([None, 0, 2, "\t"]), ascii_only=st.booleans())
def test_json_round_trip(value: Any, indent: int | str | None, ascii_only: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    [doc] = load_text("x.json", text)
    assert same(doc.data, json.loads(text))
    check_document(doc)


@FUZZ
@given(
    pairs=st.lists(
        st.tuples(st.sampled_from(["r", "target_modules", "a", "b"]), scalars), min_size=1, max_size=8
    )
)
def test_duplicates_last_value_wins(pairs: list[tuple[str, Any]]) -> None:
    expected = dict(pairs)
    repeats = len(pairs) - len(expected)
    texts = {
        "x.json": "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in pairs) + "}",
        "x.yaml": "".join(
            yaml.safe_dump({k: v}, default_flow_style=False, allow_unicode=True, width=10**6)
            for k, v in pairs
        ),
    }
    for name, text in texts.items():
        [doc] = load_text(name, text)
        reference = json.loads(text) if name.endswith(".json") else yaml.load(text, Loader=yaml.CSafeLoader)
        assert same(doc.data, reference) and reference.keys() == expected.keys()
        assert len(doc.duplicates) == repeats
        assert all(d.first.line <= d.span.line for d in doc.duplicates)
        check_document(doc)


YAML_PIECES = [
    "a",
    "r",
    "target_modules",
    ":",
    ": ",
    " ",
    "  ",
    "\n",
    "- ",
    "-",
    "[",
    "]",
    "{",
    "}",
    ", ",
    "&x ",
    "*x",
    "<<: ",
    "!!python/tuple ",
    "!!str ",
    "!!binary ",
    "!custom ",
    "'",
    '"',
    "? ",
    "# c",
    "\t",
    "1",
    "0x1F",
    "1e3",
    "~",
    "null",
    "---\n",
    "...\n",
    "|\n  ",
    ">-\n  ",
    "\\",
    "\\u00e9",
    "é",
    "\ufeff",
    "%YAML 1.1\n",
]


@FUZZ
@given(pieces=st.lists(st.sampled_from(YAML_PIECES), max_size=40))
def test_yaml_shaped_noise_loads_or_fails_cleanly(pieces: list[str]) -> None:
    _load_or_fail("x.yaml", "".join(pieces))


JSON_PIECES = [
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    " ",
    "\n",
    '"r"',
    '"a"',
    "8",
    "-1",
    "1.5e3",
    "true",
    "null",
    "NaN",
    '"\\u00e9"',
    '"\\ud800"',
    '"\\',
    "'",
    "\t",
    "0001",
    "1e999",
    '"x\ny"',
]


@FUZZ
@given(pieces=st.lists(st.sampled_from(JSON_PIECES), max_size=40))
def test_json_shaped_noise_loads_or_fails_cleanly(pieces: list[str]) -> None:
    _load_or_fail("x.json", "".join(pieces))


@FUZZ
@given(text=st.text(max_size=200), suffix=st.sampled_from([".yaml", ".json"]))
def test_any_text_loads_or_fails_cleanly(text: str, suffix: str) -> None:
    _load_or_fail("x" + suffix, text)


@fuzz(100)
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".yaml", ".json"]))
def test_any_bytes_load_or_fail_cleanly(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("x" + suffix)
        path.write_bytes(data)
        try:
            docs = load_path(str(path))
        except LoadError as exc:
            assert exc.span.line >= 1 and exc.span.column >= 1
            return
        for doc in docs:
            check_document(doc)


def _load_or_fail(name: str, text: str) -> None:
    try:
        docs = load_text(name, text)
    except LoadError as exc:
        lines = _lines(text.removeprefix("\ufeff"), name.rsplit(".", 1)[1])
        assert 1 <= exc.span.line <= len(lines) + 1, (exc.message, exc.span)
        assert exc.message.strip()
        return
    for doc in docs:
        check_document(doc)
