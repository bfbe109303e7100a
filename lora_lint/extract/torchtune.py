"""torchtune YAML: ``model: {_component_: torchtune.models.<family>.lora_<size>, ...}``.

torchtune builds its own ``TransformerDecoder``, not a transformers model, and its LoRA builders
test membership in a closed vocabulary: ``lora_attn_modules`` may hold ``q_proj``, ``k_proj``,
``v_proj`` and ``output_proj``; ``apply_lora_to_mlp`` adds ``w1/w2/w3``; ``apply_lora_to_output``
adds the output projection. Any other name (``o_proj``, ``gate_proj``) is ignored without a word;
only an empty list raises. PEFT is not involved, so the PEFT rules do not apply; where the base
model is known, an equivalent PEFT spec on the Hugging Face model fills in modules and counts.

The base model comes from a ``tune download <id>`` comment, else ``checkpointer.checkpoint_dir``
when its last folder names a catalogue model, else the builder name.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from functools import partial
from typing import Any

from lora_lint.diagnostics import Severity
from lora_lint.extract import _common as c
from lora_lint.extract.spec import Field, LoraSpec, ModelRef
from lora_lint.load.document import Document, KeyPath
from lora_lint.models import catalogue
from lora_lint.models.inventory import Inventory

NAME = "torchtune"

ATTN_VOCAB = ("q_proj", "k_proj", "v_proj", "output_proj")
# torchtune name -> role kinds of the equivalent Hugging Face modules (fused ones second).
_KINDS = {"q_proj": ("q", "qkv"), "k_proj": ("k", "qkv"), "v_proj": ("v", "qkv"), "output_proj": ("o",)}
_MLP_KINDS = ("gate", "up", "down", "gate_up")
# Names users bring from transformers, and what torchtune calls them.
_HF_NAMES = {
    "o_proj": "`output_proj` in `lora_attn_modules`",
    "out_proj": "`output_proj` in `lora_attn_modules`",
    "gate_proj": "`apply_lora_to_mlp: true`",
    "up_proj": "`apply_lora_to_mlp: true`",
    "down_proj": "`apply_lora_to_mlp: true`",
    "w1": "`apply_lora_to_mlp: true`",
    "w2": "`apply_lora_to_mlp: true`",
    "w3": "`apply_lora_to_mlp: true`",
    "lm_head": "`apply_lora_to_output: true`",
    "output": "`apply_lora_to_output: true`",
}
_BUILDER = re.compile(r"^torchtune\.models\.(?P<family>\w+)\.(?P<kind>q?lora|q?dora)_(?P<size>\w+)$")
_TUNE_DOWNLOAD = re.compile(r"tune\s+download\s+(?P<id>[A-Za-z0-9][\w.-]*/[\w.-]+)")

# Builder (without the lora_/qlora_ prefix) -> Hugging Face id.
BUILDERS = {
    "llama2_7b": "meta-llama/Llama-2-7b-hf",
    "llama2_13b": "meta-llama/Llama-2-13b-hf",
    "llama2_70b": "meta-llama/Llama-2-70b-hf",
    "code_llama2_7b": "codellama/CodeLlama-7b-hf",
    "code_llama2_13b": "codellama/CodeLlama-13b-hf",
    "code_llama2_70b": "codellama/CodeLlama-70b-hf",
    "llama3_8b": "meta-llama/Meta-Llama-3-8B",
    "llama3_70b": "meta-llama/Meta-Llama-3-70B",
    "llama3_1_8b": "meta-llama/Llama-3.1-8B",
    "llama3_1_70b": "meta-llama/Llama-3.1-70B",
    "llama3_1_405b": "meta-llama/Llama-3.1-405B",
    "llama3_2_1b": "meta-llama/Llama-3.2-1B",
    "llama3_2_3b": "meta-llama/Llama-3.2-3B",
    "llama3_2_vision_11b": "meta-llama/Llama-3.2-11B-Vision",
    "llama3_2_vision_90b": "meta-llama/Llama-3.2-90B-Vision",
    "llama3_3_70b": "meta-llama/Llama-3.3-70B-Instruct",
    "mistral_7b": "mistralai/Mistral-7B-v0.1",
    "gemma_2b": "google/gemma-2b",
    "gemma_7b": "google/gemma-7b",
    "gemma2_2b": "google/gemma-2-2b",
    "gemma2_9b": "google/gemma-2-9b",
    "gemma2_27b": "google/gemma-2-27b",
    "phi3_mini": "microsoft/Phi-3-mini-4k-instruct",
    "phi4_14b": "microsoft/phi-4",
    "qwen2_0_5b": "Qwen/Qwen2-0.5B",
    "qwen2_1_5b": "Qwen/Qwen2-1.5B",
    "qwen2_7b": "Qwen/Qwen2-7B",
    "qwen2_5_0_5b": "Qwen/Qwen2.5-0.5B",
    "qwen2_5_1_5b_base": "Qwen/Qwen2.5-1.5B",
    "qwen2_5_1_5b_instruct": "Qwen/Qwen2.5-1.5B-Instruct",
    "qwen2_5_3b": "Qwen/Qwen2.5-3B",
    "qwen2_5_7b_base": "Qwen/Qwen2.5-7B",
    "qwen2_5_7b_instruct": "Qwen/Qwen2.5-7B-Instruct",
    "qwen2_5_14b_base": "Qwen/Qwen2.5-14B",
    "qwen2_5_14b_instruct": "Qwen/Qwen2.5-14B-Instruct",
    "qwen2_5_32b_base": "Qwen/Qwen2.5-32B",
    "qwen2_5_32b_instruct": "Qwen/Qwen2.5-32B-Instruct",
    "qwen2_5_72b_base": "Qwen/Qwen2.5-72B",
    "qwen2_5_72b_instruct": "Qwen/Qwen2.5-72B-Instruct",
    "qwen3_0_6b_base": "Qwen/Qwen3-0.6B-Base",
    "qwen3_0_6b_instruct": "Qwen/Qwen3-0.6B",
    "qwen3_1_7b_base": "Qwen/Qwen3-1.7B-Base",
    "qwen3_1_7b_instruct": "Qwen/Qwen3-1.7B",
    "qwen3_4b_base": "Qwen/Qwen3-4B-Base",
    "qwen3_4b_instruct": "Qwen/Qwen3-4B",
    "qwen3_8b_base": "Qwen/Qwen3-8B-Base",
    "qwen3_8b_instruct": "Qwen/Qwen3-8B",
    "qwen3_14b_base": "Qwen/Qwen3-14B-Base",
    "qwen3_14b_instruct": "Qwen/Qwen3-14B",
    "qwen3_32b": "Qwen/Qwen3-32B",
}


def _builder_model(size: str, family: str) -> str | None:
    key = size if size.startswith(family) else f"{family}_{size}"
    return BUILDERS.get(size) or BUILDERS.get(key)


def _checkpoint_model(data: dict[Any, Any]) -> tuple[str, KeyPath] | None:
    ckpt = c.mapping(data.get("checkpointer"))
    folder = ckpt.get("checkpoint_dir") if ckpt else None
    if not isinstance(folder, str):
        return None
    last = folder.rstrip("/").rsplit("/", 1)[-1].lower()
    for entry in catalogue.entries():
        for model_id in entry.all_ids:
            if model_id.rsplit("/", 1)[-1].lower() == last:
                return model_id, ("checkpointer", "checkpoint_dir")
    return None


def _model(doc: Document, data: dict[Any, Any], family: str, size: str) -> ModelRef | None:
    component: KeyPath = ("model", "_component_")
    match = _TUNE_DOWNLOAD.search(doc.text)
    if match:
        return ModelRef(match.group("id"), component, "tune download comment")
    found = _checkpoint_model(data)
    if found:
        return ModelRef(found[0], found[1], "checkpointer.checkpoint_dir")
    builder = _builder_model(size, family)
    return ModelRef(builder, component, "model._component_") if builder else None


def _equivalent(chosen: list[str], mlp: bool, output: bool, spec: LoraSpec, inv: Inventory) -> None:
    modules: list[str] = []
    for name in chosen:
        for kind in _KINDS[name]:
            found = c.language_role_modules(inv, [kind])
            if found:
                modules.extend(found)
                break
    if mlp:
        modules.extend(c.language_role_modules(inv, _MLP_KINDS))
    if output and inv.output_embedding:
        modules.append(inv.output_embedding)
    spec.fields["target_modules"] = Field(sorted(set(modules)), ("model",))
    spec.equivalent = bool(modules)


def extract(doc: Document) -> Iterator[LoraSpec]:
    data = c.mapping(doc.data)
    model = c.mapping(data.get("model")) if data else None
    component = model.get("_component_") if model else None
    if data is None or model is None or not isinstance(component, str):
        return
    match = _BUILDER.match(component.strip())
    if match is None:
        return
    spec = LoraSpec(document=doc, framework=NAME, location=("model",))
    spec.peft_applies = False
    spec.validate = False
    spec.model = _model(doc, data, match.group("family"), match.group("size"))
    rank = model.get("lora_rank", 8)
    spec.fields["r"] = Field(rank, ("model", "lora_rank") if "lora_rank" in model else None)
    if "lora_alpha" in model:
        spec.fields["lora_alpha"] = Field(model["lora_alpha"], ("model", "lora_alpha"))
    raw = model.get("lora_attn_modules")
    path: KeyPath = ("model", "lora_attn_modules")
    values = [str(v) for v in raw] if isinstance(raw, list) else []
    chosen = [v for v in values if v in ATTN_VOCAB]
    mlp = c.truthy(model.get("apply_lora_to_mlp", False))
    output = c.truthy(model.get("apply_lora_to_output", False))
    for index, value in enumerate(values):
        if value in ATTN_VOCAB:
            continue
        instead = _HF_NAMES.get(value)
        close = difflib.get_close_matches(value, ATTN_VOCAB, n=1, cutoff=0.6)
        help_text = (
            f"torchtune spells it {instead}"
            if instead
            else (f"did you mean `{close[0]}`?" if close else None)
        )
        c.note(
            spec,
            f"torchtune ignores `{value}` without a word: its LoRA builders know only "
            f"{c.names(ATTN_VOCAB)} in `lora_attn_modules`",
            (help_text + "; " if help_text else "") + "names outside that list add no LoRA layer",
            None,
            span=doc.span((*path, index)),
        )
    if isinstance(raw, list) and not raw:
        c.note(
            spec,
            "torchtune's LoRA builder raises on an empty `lora_attn_modules`",
            f"list at least one of {c.names(ATTN_VOCAB)}",
            path,
            Severity.ERROR,
        )
    elif values and not chosen and not mlp and not output:
        c.note(
            spec,
            "no name in `lora_attn_modules` is one torchtune knows and the MLP and output are off: "
            "no LoRA layer is added and nothing trains",
            f"use {c.names(ATTN_VOCAB)}",
            path,
            Severity.ERROR,
        )
    spec.expand = partial(_equivalent, chosen, mlp, output)
    yield spec
