"""TRL / alignment-handbook YAML (``ModelConfig``): ``model_name_or_path``, ``use_peft``, ``lora_*``.

TRL's ``get_peft_config`` passes these keys to ``LoraConfig(bias="none", ...)`` when
``use_peft`` is true. ``ModelConfig.__post_init__`` turns a one-element ``lora_target_modules``
list into its only string (so that ``--lora_target_modules all-linear`` works); PEFT then reads
that string as a regex that must match a *full* module name, so ``[q_proj]`` alone matches
nothing. The spec carries the string, exactly as PEFT will see it.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from lora_lint.diagnostics import Severity, Span
from lora_lint.extract import _common as c
from lora_lint.extract.spec import Field, LoraSpec
from lora_lint.load.document import Document, KeyPath
from lora_lint.matching import regex_matches
from lora_lint.models.inventory import Inventory

NAME = "trl"

KEYS = {
    "lora_r": "r",
    "lora_alpha": "lora_alpha",
    "lora_dropout": "lora_dropout",
    "lora_target_modules": "target_modules",
    "lora_target_parameters": "target_parameters",
    "lora_modules_to_save": "modules_to_save",
    "use_rslora": "use_rslora",
    "use_dora": "use_dora",
}
DEFAULTS = {"r": 16, "lora_alpha": 32, "lora_dropout": 0.05}
_MARKERS = ("lora_target_modules", "lora_r", "lora_modules_to_save", "lora_target_parameters")


def _is_trl(data: dict[Any, Any]) -> bool:
    if "model_name_or_path" not in data or "finetuning_type" in data or "adapter" in data:
        return False
    return "use_peft" in data or any(key in data for key in _MARKERS)


def _single(entry: str, path: KeyPath, span: Span, spec: LoraSpec, inv: Inventory) -> None:
    """Refine the single-entry note with what the entry selects as a regex and as a list."""
    as_regex = regex_matches(entry, inv.names)
    as_list = c.suffix_hits([entry], inv)
    spec.notes = [n for n in spec.notes if n.path != path]
    if as_regex == as_list or set(as_list) <= set(as_regex):
        return
    selected = f"matches {len(as_regex)} module(s)" if as_regex else "matches nothing"
    c.note(
        spec,
        f"TRL turns the one-element `lora_target_modules` list into the string `{entry}`, which PEFT "
        f"full-matches as a regex against full module names: it {selected} (as a list entry it would "
        f"select {len(as_list)})",
        f"write the regex `.*\\.{entry}`, or list a second module" if as_list else None,
        path,
        Severity.ERROR if not as_regex else Severity.WARNING,
        span,
    )


def extract(doc: Document) -> Iterator[LoraSpec]:
    data = c.mapping(doc.data)
    if data is None or not _is_trl(data):
        return
    spec = LoraSpec(document=doc, framework=NAME, location=())
    spec.model = c.model_from(doc, (), ("model_name_or_path",))
    c.copy_keys(spec, data, (), KEYS)
    for name, value in DEFAULTS.items():
        spec.fields.setdefault(name, Field(value))
    spec.fields["bias"] = Field("none")
    # TRL's default task type is CAUSAL_LM; only an explicit one picks the model class here, so
    # that vision-language models build with their own class.
    task = data.get("lora_task_type")
    spec.task_type = task.upper() if isinstance(task, str) else None
    if not c.truthy(data.get("use_peft")):
        c.note(
            spec,
            "TRL applies LoRA only with `use_peft: true`; without it these `lora_*` keys are ignored "
            "and the whole model is trained",
            "add `use_peft: true`",
            ("use_peft",) if "use_peft" in data else (),
        )
    found = spec.fields.get("target_modules")
    if found is not None and isinstance(found.value, list) and len(found.value) == 1:
        entry = str(found.value[0])
        spec.fields["target_modules"] = Field(entry, found.path, (found.entry_span(doc, 0),))
        if entry.lower() != "all-linear" and not c.looks_like_regex(entry):
            assert found.path is not None
            c.note(
                spec,
                f"TRL turns the one-element `lora_target_modules` list into the string `{entry}`, which "
                "PEFT full-matches as a regex against full module names, not as a name",
                f"write the regex `.*\\.{entry}`, or list a second module",
                found.path,
                span=found.entry_span(doc, 0),
            )
            spec.expand = partial(_single, entry, found.path, found.entry_span(doc, 0))
    yield spec
