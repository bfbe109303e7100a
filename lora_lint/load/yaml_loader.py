"""YAML with positions: PyYAML's composer gives node marks; we build values and spans in one walk.

Only the safe constructor is used, so tags like ``!!python/object`` never build anything: they
become a load error. Aliases are expanded with a node budget, so alias bombs stay bounded.
"""

from __future__ import annotations

from typing import Any

import yaml

from lora_lint.diagnostics import Span
from lora_lint.load.document import MAX_DEPTH, MAX_NODES, Document, Duplicate, KeyPath, LoadError

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _span(node: yaml.Node) -> Span:
    start, end = node.start_mark, node.end_mark
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def _mark_span(mark: Any) -> Span:
    if mark is None:
        return Span(1, 1, 1, 1)
    return Span(mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 2)


class _Walker:
    def __init__(self, loader: yaml.SafeLoader, doc: Document) -> None:
        self.loader = loader
        self.doc = doc
        self.budget = MAX_NODES

    def walk(self, node: yaml.Node, path: KeyPath, depth: int) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise LoadError(f"document expands to more than {MAX_NODES} nodes (alias bomb?)", _span(node))
        if depth > MAX_DEPTH:
            raise LoadError(f"document is nested deeper than {MAX_DEPTH} levels", _span(node))
        self.doc.spans[path] = _span(node)
        if isinstance(node, yaml.ScalarNode):
            return self.loader.construct_object(node, deep=True)
        if isinstance(node, yaml.SequenceNode):
            if node.tag not in ("tag:yaml.org,2002:seq",):
                raise LoadError(f"unsupported tag {node.tag!r}", _span(node))
            return [self.walk(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if node.tag not in ("tag:yaml.org,2002:map",):
                raise LoadError(f"unsupported tag {node.tag!r}", _span(node))
            self.loader.flatten_mapping(node)
            out: dict[Any, Any] = {}
            first_seen: dict[Any, Span] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    key = str(key)
                key = key if isinstance(key, (str, int)) else str(key)
                key_path = (*path, key)
                key_span = _span(key_node)
                if key in first_seen:
                    self.doc.duplicates.append(Duplicate(key_path, key_span, first_seen[key]))
                    self.doc.forget(key_path)
                first_seen[key] = key_span
                self.doc.key_spans[key_path] = key_span
                out[key] = self.walk(value_node, key_path, depth + 1)
            return out
        raise LoadError("unsupported YAML node", _span(node))  # pragma: no cover


def load_yaml(path: str, text: str) -> list[Document]:
    """Every document of a YAML stream, each with spans; raises LoadError with a position."""
    loader = _Loader(text)
    docs: list[Document] = []
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            doc = Document(path=path, text=text, data=None, index=index, kind="yaml")
            if node is not None:
                doc.data = _Walker(loader, doc).walk(node, (), 0)
            docs.append(doc)
            index += 1
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if isinstance(exc, yaml.constructor.ConstructorError):
            problem = f"refusing to construct: {problem}"
        raise LoadError(str(problem).strip(), _mark_span(mark)) from None
    except yaml.YAMLError as exc:
        raise LoadError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise LoadError(f"document is nested deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()
    return docs
