"""`lora-lint inspect`: the seed guide's steps 1-3 in one view, for any architecture, offline."""

from __future__ import annotations

import functools
import io
import json
from pathlib import Path
from typing import Any

import pytest

from lora_lint.assist.inspect import folded_display
from lora_lint.cli import main
from lora_lint.models.roles import CATEGORIES, classify


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@functools.cache
def inspect_json(model: str) -> dict[str, Any]:
    code, out, err = run("inspect", model, "--offline", "--format", "json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


@functools.cache
def inspect_text(model: str) -> str:
    code, out, err = run("inspect", model, "--offline")
    assert code == 0, err
    return out


def line_with(text: str, *parts: str) -> str:
    found = [line for line in text.splitlines() if all(p in line for p in parts)]
    assert found, f"no line with {parts} in:\n{text}"
    return found[0]


# ------------------------------------------------------------------------------------ GPT-2 view


def test_gpt2_step1_linear_layers_with_shapes_and_counts_folded() -> None:
    text = inspect_text("gpt2")
    line = line_with(text, "transformer.h.{0..11}.attn.c_attn")
    assert "Conv1D" in line and "768 -> 2304" in line and "1,769,472 params x 12" in line
    assert "attention q/k/v (fused)" in line
    assert "589,824 params x 12" in line_with(text, "transformer.h.{0..11}.attn.c_proj")
    assert "3072 -> 768" in line_with(text, "transformer.h.{0..11}.mlp.c_proj")
    assert "38,597,376 params" in line_with(text, "lm_head", "Linear", "768 -> 50257")
    assert "tied to transformer.wte" in line_with(text, "lm_head", "Linear")


def test_gpt2_step2_name_patterns_flag_c_proj() -> None:
    text = inspect_text("gpt2")
    c_proj = line_with(text, "  c_proj ")
    assert "24 modules" in c_proj
    assert "attention output (12)" in c_proj and "MLP down (12)" in c_proj
    assert "ambiguous" in c_proj and "attn.c_proj" in c_proj and "mlp.c_proj" in c_proj
    assert "ambiguous" not in line_with(text, "  c_attn ")
    assert "12 modules" in line_with(text, "  c_fc ")


def test_gpt2_step3_attention_modules() -> None:
    text = inspect_text("gpt2")
    assert "Attention modules: c_attn (q/k/v fused), attn.c_proj (output)" in text
    assert "target_modules: [c_attn, attn.c_proj]" in text


def test_gpt2_json_totals_and_roles() -> None:
    data = inspect_json("gpt2")
    assert data["total_params"] == 124_439_808
    assert 0.99 < data["wrappable_share"] <= 1.0
    roles = {r["role"]: r for r in data["roles"]}
    c_attn = roles["transformer.h.*.attn.c_attn"]
    assert (c_attn["count"], c_attn["weight_params"], c_attn["kind"], c_attn["fused"]) == (
        12,
        1_769_472,
        "qkv",
        True,
    )
    assert c_attn["display"] == "transformer.h.{0..11}.attn.c_attn"
    assert roles["lm_head"]["category"] == "output head"
    patterns = {p["name"]: p for p in data["patterns"]}
    assert patterns["c_proj"]["ambiguous"] is True and patterns["c_proj"]["count"] == 24
    assert sorted(patterns["c_proj"]["qualified"]) == ["attn.c_proj", "mlp.c_proj"]
    assert patterns["c_attn"]["ambiguous"] is False
    assert data["attention_target_modules"] == ["c_attn", "attn.c_proj"]
    assert data["categories"]["attention"] == ["transformer.h.*.attn.c_attn", "transformer.h.*.attn.c_proj"]


# ------------------------------------------------------------------------ other architectures


def test_bert_dense_spans_four_roles() -> None:
    data = inspect_json("bert-base-uncased")
    dense = next(p for p in data["patterns"] if p["name"] == "dense")
    assert dense["count"] == 37 and dense["ambiguous"] is True
    assert {r["label"] for r in dense["roles"]} == {"attention output", "MLP up", "MLP down", "head"}
    assert "attention.output.dense" in dense["qualified"]
    # layer.N.output.dense has no list spelling of its own: a regex is offered instead
    assert any("(regex)" in q for q in dense["qualified"])
    assert data["attention_target_modules"] == ["query", "key", "value", "attention.output.dense"]
    roles = {r["role"]: r for r in data["roles"]}
    assert roles["cls.predictions.transform.dense"]["category"] == "output head"


@pytest.mark.parametrize(
    ("model", "leaf", "kind"),
    [
        ("microsoft/Phi-3-mini-4k-instruct", "qkv_proj", "qkv"),
        ("microsoft/Phi-3-mini-4k-instruct", "gate_up_proj", "gate_up"),
        ("EleutherAI/pythia-160m", "query_key_value", "qkv"),
        ("tiiuae/falcon-7b", "query_key_value", "qkv"),
        ("deepseek-ai/DeepSeek-V2-Lite", "kv_b_proj", "kv"),
    ],
)
def test_fused_projections_are_recognised(model: str, leaf: str, kind: str) -> None:
    roles = [r for r in inspect_json(model)["roles"] if r["role"].endswith("." + leaf)]
    assert roles and all(r["kind"] == kind and r["fused"] for r in roles)


def test_moe_experts_and_router_are_listed_as_parameters() -> None:
    data = inspect_json("Qwen/Qwen3-30B-A3B")
    params = {p["parameter"]: p for p in data["parameters"]}
    experts = params["model.layers.{0..47}.mlp.experts.gate_up_proj"]
    assert experts["category"] == "MoE experts" and experts["count"] == 48
    assert experts["shape"] == [128, 1536, 2048]
    assert experts["target_parameters_entry"] == "mlp.experts.gate_up_proj"
    assert params["model.layers.{0..47}.mlp.gate.weight"]["category"] == "MoE router"
    text = inspect_text("Qwen/Qwen3-30B-A3B")
    assert "Parameters only target_parameters can reach" in text


def test_encoder_decoder_folds_each_index_separately() -> None:
    text = inspect_text("t5-small")
    assert "decoder.block.{0..5}.layer.1.EncDecAttention.q" in text
    assert "18 modules" in line_with(text, "  q ")


# ------------------------------------------------------------------------------ classification


@pytest.mark.parametrize(
    ("name", "category", "kind"),
    [
        ("transformer.h.0.attn.c_attn", "attention", "qkv"),
        ("model.layers.0.self_attn.qkv_proj", "attention", "qkv"),
        ("gpt_neox.layers.0.attention.query_key_value", "attention", "qkv"),
        ("transformer.blocks.0.attn.Wqkv", "attention", "qkv"),
        ("model.layers.0.mlp.gate_up_proj", "MLP", "gate_up"),
        ("model.layers.0.self_attn.o_proj", "attention", "o"),
        ("model.layers.0.mlp.down_proj", "MLP", "down"),
        ("model.layers.0.mlp.gate", "MoE router", "router"),
        ("model.layers.0.mlp.shared_expert_gate", "MoE router", "router"),
        ("model.layers.0.block_sparse_moe.experts.3.w1", "MoE experts", "gate"),
        ("model.vision_tower.encoder.layers.0.self_attn.q_proj", "vision tower", "q"),
        ("lm_head", "output head", "head"),
        ("cls.predictions.transform.dense", "output head", "head"),
        ("model.embed_tokens", "embedding", "embedding"),
        ("backbone.layers.0.mixer.out_proj", "other", "other"),
    ],
)
def test_classification(name: str, category: str, kind: str) -> None:
    role = classify(name, "Embedding" if name.endswith("embed_tokens") else "Linear")
    assert (role.category, role.kind) == (category, kind)
    assert role.category in CATEGORIES


def test_folded_display() -> None:
    assert folded_display("a.*.b", ["a.0.b", "a.1.b", "a.2.b"]) == "a.{0..2}.b"
    assert folded_display("a.*.b", ["a.3.b"]) == "a.3.b"
    assert folded_display("a.*.b", ["a.0.b", "a.2.b"]) == "a.{0,2}.b"
    assert folded_display("e.*.x.*.q", ["e.0.x.1.q", "e.1.x.1.q"]) == "e.{0..1}.x.1.q"
    assert folded_display("lm_head", ["lm_head"]) == "lm_head"


# ---------------------------------------------------------------------------------------- errors


def test_unknown_model_is_one_line_exit_2() -> None:
    code, out, err = run("inspect", "nobody/no-such-model-xyz", "--offline")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "nobody/no-such-model-xyz" in err


def test_remote_code_model_is_refused_with_one_line(tmp_path: Path) -> None:
    config = {"model_type": "my_custom_llm", "auto_map": {"AutoConfig": "configuration_x.XConfig"}}
    (tmp_path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    code, _, err = run("inspect", str(tmp_path), "--offline")
    assert code == 2 and err.count("\n") == 1
    assert "remote code" in err or "trust-remote-code" in err
    assert "Traceback" not in err
