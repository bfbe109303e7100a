"""Python training scripts: literal ``LoraConfig(...)`` calls, read from the ``ast`` tree.

The file is parsed, never imported or run. Only literal arguments are read (numbers, strings,
lists, dicts, ``TaskType.X``); an argument computed at run time is left out and said so. The
base model is the literal first argument (or ``pretrained_model_name_or_path=``) of
``from_pretrained(...)`` calls when they all name one model.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from lora_lint.diagnostics import Severity, Span
from lora_lint.extract import _common as c
from lora_lint.extract.spec import ALL_FIELDS, Field, LoraSpec, ModelRef
from lora_lint.load.document import Document, KeyPath

NAME = "python"


_TARGETING = frozenset(
    {"target_modules", "exclude_modules", "target_parameters", "modules_to_save", "layers_to_transform"}
)


class _Opaque(Exception):
    pass


def _span(node: ast.AST) -> Span:
    line = getattr(node, "lineno", 1)
    col = getattr(node, "col_offset", 0) + 1
    end_line = getattr(node, "end_lineno", None) or line
    end_col = (getattr(node, "end_col_offset", None) or col) + 1
    return Span(line, col, end_line, end_col)


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "TaskType":
        return node.attr
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise _Opaque from None


def _record(doc: Document, path: KeyPath, node: ast.expr) -> None:
    doc.spans[path] = _span(node)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for index, element in enumerate(node.elts):
            _record(doc, (*path, index), element)
    elif isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, (str, int)) and value is not None:
                key_path = (*path, key.value)
                doc.key_spans[key_path] = _span(key)
                _record(doc, key_path, value)


def _model(doc: Document, tree: ast.AST) -> ModelRef | None:
    found: dict[str, ast.expr] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _name(node.func) != "from_pretrained":
            continue
        arg: ast.expr | None = node.args[0] if node.args else None
        for kw in node.keywords:
            if kw.arg in {"pretrained_model_name_or_path", "model_name", "model_id"}:
                arg = kw.value
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.strip():
            found.setdefault(arg.value.strip(), arg)
    if len(found) != 1:
        return None
    model_id, node = next(iter(found.items()))
    path: KeyPath = ("from_pretrained",)
    doc.spans[path] = _span(node)
    return ModelRef(model_id, path, "from_pretrained")


def extract(doc: Document) -> Iterator[LoraSpec]:
    tree = doc.data
    if doc.kind != "python" or not isinstance(tree, ast.Module):
        return
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _name(n.func) == "LoraConfig"]
    if not calls:
        return
    calls.sort(key=lambda n: (n.lineno, n.col_offset))
    model = _model(doc, tree)
    for index, call in enumerate(calls):
        location: KeyPath = ("LoraConfig", index)
        doc.spans[location] = _span(call)
        spec = LoraSpec(document=doc, framework=NAME, location=location)
        spec.model = model
        if call.args or any(kw.arg is None for kw in call.keywords):
            spec.peft_applies = False
            c.note(
                spec,
                "positional or `**` arguments of `LoraConfig(...)` are only known at run time; the "
                "targets of this LoraConfig were not predicted",
                "pass the LoRA settings as literal keyword arguments",
                location,
                Severity.INFO,
            )
        for kw in call.keywords:
            if kw.arg is None:
                continue
            path = (*location, kw.arg)
            _record(doc, path, kw.value)
            doc.key_spans[path] = _span(kw)
            try:
                value = _literal(kw.value)
            except _Opaque:
                targeting = kw.arg in _TARGETING
                if targeting:
                    spec.peft_applies = False
                c.note(
                    spec,
                    f"`{kw.arg}` is computed at run time, so lora-lint cannot check it"
                    + ("; the targets of this LoraConfig were not predicted" if targeting else ""),
                    "write it as a literal to have it checked",
                    path,
                    Severity.INFO,
                )
                continue
            if isinstance(value, (tuple, set, frozenset)):
                value = list(value)
            if kw.arg in ALL_FIELDS:
                spec.fields[kw.arg] = Field(value, path)
            else:
                spec.unknown_keys.append((kw.arg, path))
        task = spec.value("task_type")
        spec.task_type = task.upper() if isinstance(task, str) else None
        yield spec
