"""ms-swift YAML/JSON: ``model`` + ``tuner_type: lora`` (older: ``train_type``, ``sft_type``).

Keys: ``target_modules`` (default ``[all-linear]``; the shorthands ``all-linear``,
``all-embedding`` and ``all-router`` may be mixed with names), ``target_regex`` (replaces
``target_modules``), ``modules_to_save``, ``lora_rank``, ``lora_alpha``, ``lora_dropout``,
``use_rslora``, ``use_dora``, ``freeze_llm`` / ``freeze_vit`` / ``freeze_aligner``.

swift expands the shorthands itself before PEFT: ``all-linear`` is every module whose class name
contains "Linear" except heads (``lm_head``, ``score``, ``v_head``, ``classifier``), limited on
multimodal models to the parts not frozen (by default the language model only); ``all-embedding``
is the embedding layers; ``all-router`` the MoE routers. The expansion needs the model, so it
runs once the inventory exists. Benchmark files that nest runs in an ``experiment`` list are read
run by run.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from lora_lint.diagnostics import Severity
from lora_lint.extract import _common as c
from lora_lint.extract.spec import Field, LoraSpec, ModelRef
from lora_lint.load.document import Document, KeyPath
from lora_lint.models.inventory import Inventory
from lora_lint.models.roles import tower_of

NAME = "ms-swift"

TYPE_KEYS = ("tuner_type", "train_type", "sft_type")
KEYS = {
    "lora_rank": "r",
    "lora_alpha": "lora_alpha",
    "lora_dropout": "lora_dropout",
    "use_rslora": "use_rslora",
    "use_dora": "use_dora",
    "target_parameters": "target_parameters",
}
SHORTHANDS = ("all-linear", "all-embedding", "all-router")
_HEADS = ("lm_head", "score", "v_head", "classifier")


def _type(data: dict[Any, Any]) -> str | None:
    for key in TYPE_KEYS:
        value = data.get(key)
        if isinstance(value, str):
            return value.strip().lower()
    return None


def _allowed(name: str, flags: dict[str, bool]) -> bool:
    tower = tower_of(name)
    if tower in {"vision", "audio"}:
        return not flags["freeze_vit"]
    if tower == "projector":
        return not flags["freeze_aligner"]
    return not flags["freeze_llm"]


def shorthand(kind: str, inv: Inventory, flags: dict[str, bool]) -> list[str]:
    out = []
    for row in inv.modules:
        if not row.wrappable or not _allowed(row.name, flags):
            continue
        role = inv.role(row.name)
        if kind == "all-linear":
            hit = "linear" in row.cls.lower() and not any(h in row.name for h in _HEADS)
        elif kind == "all-embedding":
            hit = row.cls == "Embedding"
        else:
            hit = role.kind == "router"
        if hit:
            out.append(row.name)
    return out


def _expand(flags: dict[str, bool], spec: LoraSpec, inv: Inventory) -> None:
    found = spec.fields["target_modules"]
    doc = spec.document
    values = found.value if isinstance(found.value, list) else [found.value]
    entries: list[str] = []
    spans = []
    for i, value in enumerate(values):
        span = found.entry_span(doc, i) if isinstance(found.value, list) else found.span(doc)
        text = str(value)
        if text.lower() in SHORTHANDS:
            expanded = shorthand(text.lower(), inv, flags)
            if not expanded:
                c.note(
                    spec,
                    f"ms-swift expands `{text}` to nothing on `{inv.model_id}`",
                    "name the layers explicitly",
                    None,
                    Severity.ERROR if len(values) == 1 else Severity.WARNING,
                    span,
                )
            for name in expanded:
                if name not in entries:
                    entries.append(name)
                    spans.append(span)
        elif text not in entries:
            entries.append(text)
            spans.append(span)
    spec.fields["target_modules"] = Field(entries, found.path, tuple(spans))


def _spec(doc: Document, data: dict[Any, Any], scope: KeyPath, model: ModelRef | None) -> LoraSpec:
    spec = LoraSpec(document=doc, framework=NAME, location=scope)
    spec.model = model
    spec.fields["r"] = Field(8)
    spec.fields["lora_alpha"] = Field(32)
    spec.fields["lora_dropout"] = Field(0.05)
    c.copy_keys(spec, data, scope, KEYS)
    regex = data.get("target_regex")
    targets = data.get("target_modules", ["all-linear"])
    if isinstance(regex, str) and regex:
        spec.fields["target_modules"] = Field(regex, (*scope, "target_regex"))
    else:
        path = (*scope, "target_modules") if "target_modules" in data else None
        if isinstance(targets, str):
            # swift's target_modules is a list of names; one string is one name (regexes go in
            # target_regex), so it is matched as a name, not as a PEFT regex.
            spec.fields["target_modules"] = Field([targets], path, (doc.span(path or scope),))
        else:
            spec.fields["target_modules"] = Field(targets, path)
        value = spec.fields["target_modules"].value
        if isinstance(value, list) and any(str(v).lower() in SHORTHANDS for v in value):
            flags = {
                "freeze_llm": c.truthy(data.get("freeze_llm", False)),
                "freeze_vit": c.truthy(data.get("freeze_vit", True)),
                "freeze_aligner": c.truthy(data.get("freeze_aligner", True)),
            }
            spec.expand = partial(_expand, flags)
    saved = data.get("modules_to_save")
    if isinstance(saved, (list, str)) and saved:
        spec.fields["modules_to_save"] = Field(
            saved if isinstance(saved, list) else [saved], (*scope, "modules_to_save")
        )
    return spec


def _model(doc: Document, data: dict[Any, Any], scope: KeyPath) -> ModelRef | None:
    for key in ("model", "model_id_or_path"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return ModelRef(value.strip(), (*scope, key), key)
    return None


def extract(doc: Document) -> Iterator[LoraSpec]:
    data = c.mapping(doc.data)
    if data is None:
        return
    if _type(data) == "lora":
        yield _spec(doc, data, (), _model(doc, data, ()))
        return
    runs = data.get("experiment")
    base = c.mapping(data.get("args"))
    if not isinstance(runs, list) or base is None:
        return
    default_model = _model(doc, base, ("args",))
    for index, run in enumerate(runs):
        args = c.mapping(run.get("args")) if isinstance(run, dict) else None
        if args is None or _type(args) != "lora":
            continue
        scope: KeyPath = ("experiment", index, "args")
        merged = {**base, **args}
        spec = _spec(doc, merged, scope, _model(doc, args, scope) or default_model)
        for field in spec.fields.values():
            if field.path is not None and field.path[-1] in base and field.path[-1] not in args:
                field.path = ("args", field.path[-1])
        yield spec
