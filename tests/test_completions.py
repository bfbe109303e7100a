"""Configs transformers cannot build as written: lora-lint fills a conventional value, builds, and says so.

The proof that a completion is right: the structure built with the assumed value equals the structure
transformers builds when the config states that value itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lora_lint.cli import main
from lora_lint.models.inventory import BuildError, Inventory, build

SMALL = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "vocab_size": 256,
}


def _shape(inv: Inventory) -> tuple[Any, ...]:
    return (
        [(r.name, r.cls, r.in_features, r.out_features, r.params) for r in inv.modules],
        inv.total_params,
        inv.auto_class,
    )


@pytest.mark.parametrize(
    ("model_type", "unset", "stated", "where"),
    [
        (
            "ministral",
            {"num_key_value_heads": 2, "head_dim": None},
            {"num_key_value_heads": 2, "head_dim": 16},
            "head_dim",
        ),
        ("nemotron", {"num_key_value_heads": None}, {"num_key_value_heads": 4}, "num_key_value_heads"),
    ],
)
def test_assumed_value_builds_what_the_stated_value_builds(
    model_type: str, unset: dict[str, Any], stated: dict[str, Any], where: str
) -> None:
    completed = build({"model_type": model_type, **SMALL, **unset}, model_type).inventory
    explicit = build({"model_type": model_type, **SMALL, **stated}, model_type).inventory
    assert [c.where for c in completed.assumed] == [where]
    assert completed.assumed[0].shapes is True
    assert completed.assumed[0].value == stated[where]
    assert "NoneType" in completed.build_problem
    assert explicit.assumed == [] and explicit.build_problem == ""
    assert _shape(completed) == _shape(explicit)


def test_neutral_completions_on_transformers_defaults() -> None:
    # DbrxAttentionConfig lacks rope_theta; the model's own rope_theta is used and no shape depends on it.
    dbrx = build(
        {"model_type": "dbrx", "d_model": 64, "n_heads": 4, "n_layers": 2, "vocab_size": 256}, "dbrx"
    )
    assert [(c.where, c.value, c.shapes) for c in dbrx.inventory.assumed] == [
        ("attn_config.rope_theta", 10000.0, False)
    ]
    # a tuple default where the code concatenates a list: read as a saved config.json carries it.
    vitmatte = build({"model_type": "vitmatte"}, "vitmatte").inventory
    assert any("fusion_hidden_sizes" in c.where for c in vitmatte.assumed)
    assert all(not c.shapes for c in vitmatte.assumed)


def test_rotary_parameters_for_a_layer_type() -> None:
    # transformers v5 keys rope_parameters by layer type; this default has none for "full_attention".
    inv = build({"model_type": "cohere_compass_text", **SMALL}, "c").inventory
    assert [(c.where, c.shapes) for c in inv.assumed] == [("rope_parameters.full_attention", False)]
    assert inv.build_problem == "KeyError: 'full_attention'"


def test_complete_configs_assume_nothing() -> None:
    inv = build({"model_type": "llama", **SMALL}, "llama").inventory
    assert inv.assumed == [] and inv.build_problem == ""


def test_no_convention_keeps_the_build_error() -> None:
    # prediction_length is the forecast horizon: nothing conventional, so no completion.
    with pytest.raises(BuildError, match="prediction_length"):
        build({"model_type": "time_series_transformer"}, "time_series_transformer")


def test_config_class_under_two_model_types_still_builds() -> None:
    # transformers' AutoModel.from_config refuses EvollaConfig (its reverse lookup lands on a model type
    # with no model class), although its mapping has EvollaModel: lora-lint uses the mapped class.
    inv = build({"model_type": "evolla"}, "evolla").inventory
    assert inv.model_class == "EvollaModel" and inv.assumed == []


def test_assumed_values_survive_the_cache_round_trip() -> None:
    inv = build({"model_type": "ministral", **SMALL, "head_dim": None}, "m").inventory
    again = Inventory.from_dict(inv.to_dict())
    assert again.assumed == inv.assumed and again.build_problem == inv.build_problem


def test_inspect_warns_what_it_assumed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "ministral", **SMALL, "head_dim": None}))
    assert main(["inspect", str(tmp_path), "--offline", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "warning: transformers cannot build" in captured.err and "(rule LL014)" in captured.err
    assert json.loads(captured.out)["assumed"][0]["where"] == "head_dim"


def test_smoke_refuses_a_config_transformers_cannot_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text(
        json.dumps({"model_type": "ministral", **SMALL, "head_dim": None})
    )
    (tmp_path / "adapter.yaml").write_text(
        "base_model_name_or_path: ./model\npeft_type: LORA\nr: 4\ntarget_modules: [q_proj]\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["smoke", "adapter.yaml", "--offline", "--steps", "1"]) == 1
    out = capsys.readouterr().out
    assert "FAIL setup" in out and "set `head_dim` in config.json (LL014)" in out
