"""axolotl YAML: ``base_model`` + ``adapter: lora|qlora`` + ``lora_*`` / ``peft_*`` keys.

axolotl builds its LoraConfig in ``loaders/adapter.py``. ``lora_target_linear: true`` runs its
own scan (``find_all_linear_names``): every module whose class name contains "Linear" (so not
transformers' ``Conv1D``), reduced to the last name part, minus the output head's name, merged
with ``lora_target_modules``; a regex string in ``lora_target_modules`` is put into that list as
one literal entry. The scan needs the model, so it runs in ``expand`` once the inventory exists.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import partial
from typing import Any

from lora_lint.diagnostics import Severity
from lora_lint.extract import _common as c
from lora_lint.extract.spec import Field, LoraSpec
from lora_lint.load.document import Document
from lora_lint.models.inventory import Inventory

NAME = "axolotl"

KEYS = {
    "lora_r": "r",
    "lora_alpha": "lora_alpha",
    "lora_dropout": "lora_dropout",
    "lora_fan_in_fan_out": "fan_in_fan_out",
    "lora_target_modules": "target_modules",
    "lora_target_parameters": "target_parameters",
    "lora_modules_to_save": "modules_to_save",
    "lora_exclude_modules": "exclude_modules",
    "lora_rank_pattern": "rank_pattern",
    "lora_alpha_pattern": "alpha_pattern",
    "peft_layers_to_transform": "layers_to_transform",
    "peft_layers_pattern": "layers_pattern",
    "peft_use_dora": "use_dora",
    "peft_use_rslora": "use_rslora",
    "peft_init_lora_weights": "init_lora_weights",
    "peft_layer_replication": "layer_replication",
    "peft_trainable_token_indices": "trainable_token_indices",
    "peft_ensure_weight_tying": "ensure_weight_tying",
}
ADAPTERS = ("lora", "qlora")
# Other lora_/peft_ keys axolotl knows (kernels, adapter loading, LoRA+), so not typos.
OTHER_KEYS = frozenset(
    {
        "lora_target_linear",
        "lora_model_dir",
        "lora_on_cpu",
        "lora_mlp_kernel",
        "lora_qkv_kernel",
        "lora_o_kernel",
        "lora_embedding_kernel",
        "loraplus_lr_ratio",
        "loraplus_lr_embedding",
        "peft",
        "peft_autocast_adapter_dtype",
    }
)


def _is_axolotl(data: dict[Any, Any]) -> bool:
    adapter = data.get("adapter")
    return isinstance(adapter, str) and adapter.strip().lower() in ADAPTERS and "base_model" in data


def scan(inv: Inventory) -> list[str]:
    """axolotl's ``find_all_linear_names``: last name parts of "Linear" modules, minus the head."""
    found: dict[str, None] = {}
    for name in c.linear_rows(inv):
        found.setdefault(c.leaf(name), None)
    head = c.leaf(inv.output_embedding) if inv.output_embedding else "lm_head"
    found.pop(head, None)
    return list(found)


def _expand(flag: Field, spec: LoraSpec, inv: Inventory) -> None:
    explicit = spec.fields.get("target_modules")
    doc = spec.document
    scanned = scan(inv)
    entries: list[str] = []
    spans = []
    if explicit is not None and explicit.value:
        values = explicit.value if isinstance(explicit.value, list) else [explicit.value]
        for i, value in enumerate(values):
            entries.append(str(value))
            spans.append(
                explicit.entry_span(doc, i) if isinstance(explicit.value, list) else explicit.span(doc)
            )
        if isinstance(explicit.value, str):
            c.note(
                spec,
                f"with `lora_target_linear: true`, axolotl puts the string `{explicit.value}` into a "
                "list with the scanned names, so PEFT matches it literally (as a name), not as a regex",
                "drop `lora_target_linear` to keep the regex, or list plain module names",
                explicit.path,
            )
    for name in scanned:
        if name not in entries:
            entries.append(name)
            spans.append(flag.span(doc))
    spec.fields["target_modules"] = Field(entries, explicit.path if explicit else flag.path, tuple(spans))
    if not scanned:
        linear_like = [r.name for r in inv.modules if r.wrappable and r.cls == "Conv1D"]
        why = (
            f" (its projections are transformers `Conv1D`, e.g. `{linear_like[0]}`, which the scan skips)"
            if linear_like
            else ""
        )
        c.note(
            spec,
            f"axolotl's `lora_target_linear` scan finds no `nn.Linear` layer in `{inv.model_id}`{why}",
            "list the layers in `lora_target_modules`"
            + (f", e.g. [{', '.join(sorted({c.leaf(n) for n in linear_like}))}]" if linear_like else ""),
            flag.path,
            Severity.ERROR if not entries else Severity.WARNING,
        )
        return
    hits = c.suffix_hits(scanned, inv)
    towers = c.by_tower(hits)
    if len(towers) > 1 or "language" not in towers:
        only_other = sorted({c.leaf(n) for n in hits if c.tower_of(n) != "language"})
        c.note(
            spec,
            f"axolotl's `lora_target_linear` scan keeps only the last name part of every linear layer, "
            f"so PEFT adapts {len(hits)} modules: {c.tower_words(towers)}",
            "to train the language model only, drop `lora_target_linear` and give `lora_target_modules` "
            f"as a regex over the language model's path (names scanned here: {c.names(only_other)})",
            flag.path,
        )


def _typos(spec: LoraSpec, data: dict[Any, Any]) -> None:
    """axolotl ignores unknown keys (pydantic's default), so a misspelt LoRA key changes nothing."""
    known = sorted(set(KEYS) | OTHER_KEYS)
    for key in data:
        if not isinstance(key, str) or key in known or not key.startswith(("lora_", "peft_")):
            continue
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
        if close:
            c.note(
                spec,
                f"axolotl ignores the unknown key `{key}` without a word",
                f"did you mean `{close[0]}`?",
                (key,),
                span=spec.document.key_span((key,)),
            )


def extract(doc: Document) -> Iterator[LoraSpec]:
    data = c.mapping(doc.data)
    if data is None or not _is_axolotl(data):
        return
    spec = LoraSpec(document=doc, framework=NAME, location=())
    spec.model = c.model_from(doc, (), ("base_model",))
    c.copy_keys(spec, data, (), KEYS)
    spec.fields.setdefault("lora_dropout", Field(0.0))
    spec.fields["bias"] = Field("none")
    _typos(spec, data)
    if c.truthy(data.get("lora_target_linear")):
        spec.expand = partial(_expand, Field(True, ("lora_target_linear",)))
    else:
        # axolotl passes `lora_target_modules or []`: no targets is an empty list, not PEFT's default.
        spec.fields.setdefault("target_modules", Field([]))
    yield spec
