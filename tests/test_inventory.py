"""The meta-device inventory: module table, layer count, output embedding and really tied weights."""

from __future__ import annotations

from lora_lint.models.catalogue import lookup
from lora_lint.models.inventory import build


def _inventory(model_id: str):  # type: ignore[no-untyped-def]
    entry = lookup(model_id)
    assert entry is not None
    return build(entry.config_dict(), model_id).inventory


def test_gpt2_inventory() -> None:
    inv = _inventory("gpt2")
    assert inv.auto_class == "AutoModelForCausalLM" and inv.model_class == "GPT2LMHeadModel"
    assert inv.num_layers == 12 and inv.total_params == 124_439_808
    assert inv.output_embedding == "lm_head" and inv.input_embedding == "transformer.wte"
    assert inv.tied == {"lm_head.weight": "transformer.wte.weight"}
    row = inv.row("transformer.h.0.attn.c_attn")
    assert row is not None and row.cls == "Conv1D" and row.wrappable
    assert (row.in_features, row.out_features) == (768, 2304)
    container = inv.row("transformer.h.0.attn")
    assert container is not None and not container.wrappable and not container.is_leaf


def test_tied_only_when_the_parameter_is_shared() -> None:
    assert _inventory("mistralai/Mistral-7B-v0.1").tied == {}
    assert _inventory("meta-llama/Llama-3.2-1B").tied == {"lm_head.weight": "model.embed_tokens.weight"}
