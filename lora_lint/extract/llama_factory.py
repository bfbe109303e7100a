"""LLaMA-Factory YAML: ``model_name_or_path`` + ``finetuning_type: lora`` + ``lora_target`` (comma
string), ``additional_target``, ``lora_rank``; and the newer ``model:`` + ``peft_config:`` form.

What LLaMA-Factory does before PEFT (``model/adapter.py``, ``model/model_utils/misc.py`` and
``visual.py``), modelled here:

* comma strings are split and stripped (each entry keeps its own span inside the string);
* ``lora_target: all`` (the default) runs its own scan: modules whose class name contains
  "Linear" and not "Embedding" (so not GPT-2's ``Conv1D``), last name part only, skipping names
  containing ``lm_head``, the projector and, with ``freeze_vision_tower`` (default true), the
  vision tower;
* on vision-language models the names are then rewritten to full module names by *substring*
  test (``target in name``), leaving out the frozen towers.

A config that loads an existing adapter (``adapter_name_or_path``) trains or serves that adapter's
own targets, so it yields no spec.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from lora_lint.diagnostics import Severity, Span
from lora_lint.extract import _common as c
from lora_lint.extract.spec import Field, LoraSpec
from lora_lint.load.document import Document, KeyPath
from lora_lint.models.inventory import Inventory
from lora_lint.models.roles import tower_of

NAME = "llama-factory"

V1_KEYS = {
    "r": "r",
    "lora_alpha": "lora_alpha",
    "lora_dropout": "lora_dropout",
    "use_rslora": "use_rslora",
    "use_dora": "use_dora",
    "modules_to_save": "modules_to_save",
}


def scan(inv: Inventory, freeze_vision_tower: bool) -> list[str]:
    """LLaMA-Factory's ``find_all_linear_modules``."""
    composite = c.has_towers(inv)
    found: dict[str, None] = {}
    for name in c.linear_rows(inv, exclude_embedding_cls=True):
        if "lm_head" in name:
            continue
        tower = tower_of(name)
        if composite and (tower == "projector" or (freeze_vision_tower and tower in {"vision", "audio"})):
            continue
        found.setdefault(c.leaf(name), None)
    return list(found)


def _allowed(tower: str, flags: dict[str, bool]) -> bool:
    if tower in {"vision", "audio"}:
        return not flags["freeze_vision_tower"]
    if tower == "projector":
        return not flags["freeze_multi_modal_projector"]
    return not flags["freeze_language_model"]


def _expand(key: str, flags: dict[str, bool], spec: LoraSpec, inv: Inventory) -> None:
    doc = spec.document
    found = spec.fields["target_modules"]
    targets = [str(v) for v in found.value] if isinstance(found.value, list) else [str(found.value)]
    spans = [found.entry_span(doc, i) for i in range(len(targets))]
    whole = found.span(doc) if found.path is not None else doc.span(())
    if targets == ["all"]:
        targets = scan(inv, flags["freeze_vision_tower"])
        spans = [whole] * len(targets)
        if not targets:
            conv = [r.name for r in inv.modules if r.wrappable and r.cls == "Conv1D"]
            why = f" (its projections are transformers `Conv1D`, e.g. `{conv[0]}`)" if conv else ""
            c.note(
                spec,
                f"LLaMA-Factory's `{key}: all` scan finds no `nn.Linear` layer in `{inv.model_id}`{why}; "
                "PEFT gets an empty target list",
                f"name the layers: `{key}: {','.join(sorted({c.leaf(n) for n in conv}))}`"
                if conv
                else "name the layers explicitly",
                found.path,
                Severity.ERROR,
            )
        spec.fields["target_modules"] = Field(targets, found.path, tuple(spans))
    if not c.has_towers(inv) or not targets:
        return
    full: list[str] = []
    full_spans: list[Span] = []
    beyond: dict[str, list[str]] = {}
    for name in inv.names:
        if not _allowed(tower_of(name), flags):
            continue
        for target, span in zip(targets, spans, strict=True):
            if target in name:
                full.append(name)
                full_spans.append(span)
                if not (name == target or name.endswith("." + target)):
                    beyond.setdefault(target, []).append(name)
                break
    spec.fields["target_modules"] = Field(full, found.path, tuple(full_spans))
    for target, extra in beyond.items():
        c.note(
            spec,
            f"on vision-language models LLaMA-Factory matches `{target}` as a substring of full module "
            f"names, so it also selects {len(extra)} modules not named `{target}`, e.g. `{extra[0]}`",
            "use a name that is not part of another module's name",
            found.path,
        )
    if not full:
        c.note(
            spec,
            f"LLaMA-Factory's substring rewrite for vision-language models leaves no module of "
            f"`{inv.model_id}` outside the frozen towers for {c.names(targets)}",
            "check `freeze_vision_tower`, `freeze_multi_modal_projector` and the target names",
            found.path,
            Severity.ERROR,
        )


def _split(doc: Document, data: dict[Any, Any], key: str, scope: KeyPath) -> Field | None:
    value = data.get(key)
    path = (*scope, key)
    if isinstance(value, str):
        return c.split_comma(doc, path, value)
    if isinstance(value, list):
        return Field([str(v) for v in value], path)
    return None


def _flags(data: dict[Any, Any]) -> dict[str, bool]:
    def flag(key: str, default: bool) -> bool:
        return c.truthy(data[key]) if key in data and data[key] is not None else default

    return {
        "freeze_vision_tower": flag("freeze_vision_tower", True),
        "freeze_multi_modal_projector": flag("freeze_multi_modal_projector", True),
        "freeze_language_model": flag("freeze_language_model", False),
    }


def _v0(doc: Document, data: dict[Any, Any]) -> Iterator[LoraSpec]:
    method = data.get("finetuning_type", "lora" if "lora_target" in data else None)
    if not isinstance(method, str) or method.strip().lower() != "lora":
        return
    if "model_name_or_path" not in data or data.get("adapter_name_or_path"):
        return
    spec = LoraSpec(document=doc, framework=NAME, location=())
    spec.model = c.model_from(doc, (), ("model_name_or_path",))
    rank = data.get("lora_rank", 8)
    spec.fields["r"] = Field(rank, ("lora_rank",) if "lora_rank" in data else None)
    alpha = data.get("lora_alpha")
    if alpha is None and isinstance(rank, int) and not isinstance(rank, bool):
        spec.fields["lora_alpha"] = Field(rank * 2, ("lora_rank",) if "lora_rank" in data else None)
    c.copy_keys(
        spec,
        data,
        (),
        {
            "lora_alpha": "lora_alpha",
            "lora_dropout": "lora_dropout",
            "use_rslora": "use_rslora",
            "use_dora": "use_dora",
        },
    )
    spec.fields["target_modules"] = _split(doc, data, "lora_target", ()) or Field(["all"])
    saved = _split(doc, data, "additional_target", ())
    if saved is not None:
        spec.fields["modules_to_save"] = saved
    spec.expand = partial(_expand, "lora_target", _flags(data))
    yield spec


def _v1(doc: Document, data: dict[Any, Any]) -> Iterator[LoraSpec]:
    peft = c.mapping(data.get("peft_config"))
    if peft is None or str(peft.get("name", "")).lower() != "lora" or peft.get("adapter_name_or_path"):
        return
    scope: KeyPath = ("peft_config",)
    spec = LoraSpec(document=doc, framework=NAME, location=scope)
    spec.model = c.model_from(doc, (), ("model", "model_name_or_path"))
    c.copy_keys(spec, peft, scope, V1_KEYS)
    spec.fields["target_modules"] = _split(doc, peft, "target_modules", scope) or Field(["all"])
    spec.expand = partial(_expand, "target_modules", _flags(data))
    yield spec


def extract(doc: Document) -> Iterator[LoraSpec]:
    data = c.mapping(doc.data)
    if data is None:
        return
    if "peft_config" in data:
        yield from _v1(doc, data)
    elif "finetuning_type" in data or "lora_target" in data:
        yield from _v0(doc, data)
