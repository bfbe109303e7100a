"""YAML with positions: PyYAML's composer gives node marks; we build values and spans in one walk.

Hostile input stays bounded:

- Only the plain scalar types are built, by the safe constructor. Any other tag (``!!python/...``,
  ``!Ref``, ``!!set``) is never built: the value is read untagged and the tag is recorded in
  ``Document.foreign_tags``, which the linter reports (LL000) in documents holding a LoRA config.
  Files that only happen to use tags (``mkdocs.yml``, CloudFormation) still load.
- Nesting deeper than ``MAX_DEPTH`` is refused from the parser's event stream *before* the
  composer runs (libyaml's composer recurses in C and would overflow the stack on a few thousand
  levels).
- Aliases and merge keys (``<<``) are expanded by the walker itself against a budget of
  ``MAX_NODES`` nodes, so alias bombs ("billion laughs") and merge bombs stop early.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from lora_lint.diagnostics import Span
from lora_lint.load.document import MAX_DEPTH, MAX_NODES, Document, Duplicate, ForeignTag, KeyPath, LoadError

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"
MERGE_TAG = "tag:yaml.org,2002:merge"
VALUE_TAG = "tag:yaml.org,2002:value"
STR_TAG = "tag:yaml.org,2002:str"
# Scalar tags the safe constructor builds; any other tag is read as plain text and recorded.
SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "binary", "timestamp", "str")
)
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
# Below this many possible nesting openers the composer cannot get near a stack overflow.
_PRESCAN_ABOVE = 2000


def _span(node: yaml.Node) -> Span:
    start, end = node.start_mark, node.end_mark
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def _mark_span(mark: Any) -> Span:
    if mark is None:
        return Span(1, 1, 1, 1)
    return Span(mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 2)


def _nesting_bound(text: str) -> int:
    """An upper bound on the nesting depth: every level opens with a bracket, an indicator or a line."""
    return sum(text.count(c) for c in "[{-?:\n") + 1


def check_depth(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH using parser events only (no recursion anywhere)."""
    if _nesting_bound(text) <= _PRESCAN_ABOVE:
        return
    parser = _Loader(text)
    depth = 0
    try:
        while True:
            event = parser.get_event()
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise LoadError(
                        f"document is nested deeper than {MAX_DEPTH} levels", _mark_span(event.start_mark)
                    )
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            elif event is None or isinstance(event, yaml.StreamEndEvent):
                return
    finally:
        parser.dispose()


def _text_end(text: str) -> tuple[int, int]:
    """Line and column just past the last character, counting line breaks as YAML does."""
    lines = _LINE_BREAK.split(text)
    return len(lines), len(lines[-1]) + 1


class _Walker:
    def __init__(self, loader: yaml.SafeLoader, doc: Document, end: tuple[int, int]) -> None:
        self.loader = loader
        self.doc = doc
        self.end = end
        self.budget = MAX_NODES
        self.spans: dict[int, Span] = {}  # id(node) -> span; a node seen again is an alias expansion
        self.written: list[KeyPath] = []  # every path given a span, in order
        self.ranges: dict[KeyPath, tuple[int, int]] = {}  # key path -> its value's slice of written

    def span(self, node: yaml.Node) -> Span:
        found = self.spans.get(id(node))
        if found is None:
            found = _span(node)
            if (found.end_line, found.end_column) > self.end:  # libyaml ends a block past the last line
                found = Span(*min((found.line, found.column), self.end), *self.end)
            self.spans[id(node)] = found
        return found

    def spend(self, node: yaml.Node, depth: int) -> None:
        """Count a visit: the file's own nodes are bounded by its size; repeats (aliases, merges)
        by MAX_NODES."""
        if id(node) in self.spans:
            self.budget -= 1
            if self.budget < 0:
                raise LoadError(
                    f"aliases expand to more than {MAX_NODES:,} nodes (alias bomb?)", self.span(node)
                )
        if depth > MAX_DEPTH:
            raise LoadError(f"document is nested deeper than {MAX_DEPTH} levels", self.span(node))

    def foreign(self, node: yaml.Node) -> None:
        self.doc.foreign_tags.append(ForeignTag(self.span(node), str(node.tag)))

    def scalar(self, node: yaml.Node) -> Any:
        if node.tag not in SCALAR_TAGS:  # `!!python/...`, `!Ref`...: the text as written, never built
            self.foreign(node)
            return node.value
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError, TypeError) as exc:  # e.g. a 5000-digit int, a bad date
            reason = str(exc).split(";")[0].strip() or type(exc).__name__
            raise LoadError(f"cannot read value: {reason}", _span(node)) from None

    def walk(self, node: yaml.Node, path: KeyPath, depth: int) -> Any:
        self.spend(node, depth)
        self.doc.spans[path] = self.span(node)
        self.written.append(path)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != SEQ_TAG:
                self.foreign(node)
            return [self.walk(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if node.tag != MAP_TAG:
                self.foreign(node)
            return self.mapping(node, path, depth)
        raise LoadError("unsupported YAML node", _span(node))  # pragma: no cover

    def key(self, node: yaml.Node) -> str | int:
        if not isinstance(node, yaml.ScalarNode):
            raise LoadError("a mapping key must be a plain value, not a list or mapping", _span(node))
        if node.tag == VALUE_TAG:
            node.tag = STR_TAG
        key = self.scalar(node)
        return key if isinstance(key, (str, int)) else str(key)

    def merged(self, node: yaml.Node, path: KeyPath, depth: int) -> dict[Any, Any]:
        """The mappings a ``<<`` key merges in; earlier ones win, as in PyYAML."""
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        out: dict[Any, Any] = {}
        for source in reversed(sources):
            if not isinstance(source, yaml.MappingNode):
                raise LoadError("a merge key `<<` needs a mapping or a list of mappings", _span(source))
            value = self.walk(source, path, depth + 1)
            out.update(value)
        return out

    def mapping(self, node: yaml.MappingNode, path: KeyPath, depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        first_seen: dict[Any, Span] = {}
        merged: set[Any] = set()
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                self.spend(key_node, depth + 1)
                for key, value in self.merged(value_node, path, depth).items():
                    if key not in first_seen:
                        out[key] = value
                        merged.add(key)
                self.doc.spans[path] = self.span(node)
                continue
            key = self.key(key_node)
            key_path = (*path, key)
            key_span = self.span(key_node)
            if key in first_seen:
                self.doc.duplicates.append(Duplicate(key_path, key_span, first_seen[key]))
            if key in first_seen or key in merged:
                self.forget(key_path)
                merged.discard(key)
            first_seen.setdefault(key, key_span)
            self.doc.key_spans[key_path] = key_span
            start = len(self.written)
            out[key] = self.walk(value_node, key_path, depth + 1)
            self.ranges[key_path] = (start, len(self.written))
        return out

    def forget(self, key_path: KeyPath) -> None:
        """Drop the spans under a key whose earlier value is being replaced (linear overall)."""
        start, end = self.ranges.pop(key_path, (0, 0))
        for stale in self.written[start + 1 : end]:
            self.doc.spans.pop(stale, None)
            self.doc.key_spans.pop(stale, None)


def _problem(exc: yaml.MarkedYAMLError, text: str) -> str:
    problem = str(exc.problem or exc.context or "invalid YAML").strip()
    if "maximum nesting depth" in problem:  # libyaml's own limit (PyYAML >= 6.0.4), far above ours
        return f"document is nested deeper than {MAX_DEPTH} levels"
    if isinstance(exc, yaml.constructor.ConstructorError):
        return f"refusing to construct: {problem}"
    mark = exc.problem_mark
    if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
        return f"{problem}: a tab (YAML indents with spaces only)"
    if exc.problem and exc.context and exc.context_mark is not None:
        return f"{problem} ({exc.context.strip()} at line {exc.context_mark.line + 1})"
    return problem


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n", line + 1)
    return lines[line][column : column + 1] if line < len(lines) else ""


def load_yaml(path: str, text: str) -> list[Document]:
    """Every document of a YAML stream, each with spans; raises LoadError with a position."""
    docs: list[Document] = []
    loader: yaml.SafeLoader | None = None
    try:
        check_depth(text)
        loader = _Loader(text)
        index = 0
        end = _text_end(text)
        while loader.check_node():
            node = loader.get_node()
            doc = Document(path=path, text=text, data=None, index=index, kind="yaml")
            if node is not None:
                doc.data = _Walker(loader, doc, end).walk(node, (), 0)
            docs.append(doc)
            index += 1
    except yaml.MarkedYAMLError as exc:
        raise LoadError(_problem(exc, text), _mark_span(exc.problem_mark or exc.context_mark)) from None
    except yaml.YAMLError as exc:
        raise LoadError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise LoadError(f"document is nested deeper than {MAX_DEPTH} levels") from None
    finally:
        if loader is not None:
            loader.dispose()
    return docs
