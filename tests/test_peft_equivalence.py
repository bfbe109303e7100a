"""The linter's prediction equals what PEFT really does.

Each case writes a config, lints it in-process (offline, bundled catalogue), and compares the
wrapped modules, each module's rank and alpha, and the trainable / total counts with an
independent ``get_peft_model(..., low_cpu_mem_usage=True)`` on a freshly built meta model.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from lora_lint.cli import main
from lora_lint.lint import Settings, lint_paths
from lora_lint.models import catalogue

LLAMA = "meta-llama/Llama-3.2-1B"

CASES: list[tuple[str, str, str | None, dict[str, Any]]] = [
    # id, model, task_type, LoraConfig kwargs
    ("gpt2-seed-guide", "gpt2", None, {"r": 8, "lora_alpha": 16, "target_modules": ["c_attn", "c_proj"]}),
    ("gpt2-all-linear", "gpt2", "CAUSAL_LM", {"r": 4, "target_modules": "all-linear"}),
    ("gpt2-regex", "gpt2", None, {"r": 8, "target_modules": r".*\.attn\.c_(attn|proj)"}),
    ("gpt2-bias-all", "gpt2", None, {"r": 8, "target_modules": ["c_attn"], "bias": "all"}),
    (
        "gpt2-bias-lora-only",
        "gpt2",
        None,
        {"r": 8, "target_modules": ["c_attn", "mlp.c_proj"], "bias": "lora_only"},
    ),
    ("gpt2-embedding", "gpt2", None, {"r": 8, "target_modules": ["wte", "c_attn"]}),
    ("gpt2-dora", "gpt2", None, {"r": 8, "target_modules": ["c_attn"], "use_dora": True}),
    (
        "gpt2-modules-to-save",
        "gpt2",
        None,
        {"r": 8, "target_modules": ["c_attn"], "modules_to_save": ["ln_f"]},
    ),
    (
        "gpt2-condensed-20-names",
        "gpt2",
        None,
        {
            "r": 8,
            "target_modules": [f"transformer.h.{i}.attn.c_attn" for i in range(12)]
            + [f"transformer.h.{i}.mlp.c_fc" for i in range(8)],
            "layers_to_transform": [0, 1],
        },
    ),
    ("llama-qv", LLAMA, "CAUSAL_LM", {"r": 16, "lora_alpha": 32, "target_modules": ["q_proj", "v_proj"]}),
    (
        "llama-all-linear-exclude",
        LLAMA,
        None,
        {"r": 8, "target_modules": "all-linear", "exclude_modules": ["down_proj"]},
    ),
    (
        "llama-layers",
        LLAMA,
        None,
        {
            "r": 8,
            "target_modules": ["q_proj", "v_proj"],
            "layers_to_transform": [0, 1, 15],
            "layers_pattern": "layers",
        },
    ),
    (
        "llama-patterns",
        LLAMA,
        None,
        {
            "r": 8,
            "lora_alpha": 16,
            "target_modules": "all-linear",
            "use_rslora": True,
            "rank_pattern": {"down_proj": 32, r"layers\.0\..*": 4},
            "alpha_pattern": {"o_proj": 8},
        },
    ),
    (
        "llama-exclude-regex",
        LLAMA,
        None,
        {"r": 8, "target_modules": ["q_proj", "k_proj"], "exclude_modules": r".*layers\.1\d\..*"},
    ),
    ("llama-lora-bias", LLAMA, None, {"r": 8, "target_modules": ["o_proj"], "lora_bias": True}),
    (
        "llama-lm-head-save",
        LLAMA,
        None,
        {"r": 8, "target_modules": ["q_proj"], "modules_to_save": ["lm_head"]},
    ),
    (
        "bert-seq-cls-bias-all",
        "bert-base-uncased",
        "SEQ_CLS",
        {"r": 8, "target_modules": ["query", "value"], "bias": "all"},
    ),
    ("bert-dense", "bert-base-uncased", "SEQ_CLS", {"r": 8, "target_modules": ["query", "value", "dense"]}),
    ("bert-qa", "bert-base-uncased", "QUESTION_ANS", {"r": 4, "target_modules": ["query", "key", "value"]}),
    ("roberta-token-cls", "roberta-base", "TOKEN_CLS", {"r": 8, "target_modules": ["query", "value"]}),
    (
        "distilbert-seq-cls",
        "distilbert-base-uncased",
        "SEQ_CLS",
        {"r": 8, "target_modules": ["q_lin", "v_lin"]},
    ),
    ("t5-seq2seq", "t5-small", "SEQ_2_SEQ_LM", {"r": 8, "target_modules": ["q", "v"]}),
    (
        "t5-layers",
        "t5-small",
        "SEQ_2_SEQ_LM",
        {"r": 8, "target_modules": ["q", "v"], "layers_to_transform": [0], "layers_pattern": ["block"]},
    ),
    (
        "falcon-fused",
        "tiiuae/falcon-7b",
        None,
        {"r": 8, "target_modules": ["query_key_value", "dense_4h_to_h"]},
    ),
    ("phi2-all-linear", "microsoft/phi-2", None, {"r": 8, "target_modules": "all-linear"}),
    ("opt-qv", "facebook/opt-125m", None, {"r": 8, "target_modules": ["q_proj", "v_proj"]}),
    ("mixtral-moe-all-linear", "mistralai/Mixtral-8x7B-v0.1", None, {"r": 8, "target_modules": "all-linear"}),
    (
        "qwen-moe-params",
        "Qwen/Qwen3-30B-A3B",
        None,
        {"r": 4, "target_modules": ["q_proj", "v_proj"], "target_parameters": ["mlp.experts.down_proj"]},
    ),
    ("gemma2-default-targets", "google/gemma-2-2b", None, {"r": 8}),
]


def _config_file(tmp_path: Path, model: str, task_type: str | None, kwargs: dict[str, Any]) -> Path:
    data: dict[str, Any] = {"peft_type": "LORA", "base_model_name_or_path": model, **kwargs}
    if task_type:
        data["task_type"] = task_type
    path = tmp_path / "adapter_config.json"
    path.write_text(json.dumps(data))
    return path


def _truth(model_id: str, task_type: str | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Independent ground truth: transformers + PEFT, nothing from lora_lint but the catalogue facts."""
    import torch
    import transformers
    from peft import LoraConfig, get_peft_model
    from peft.tuners.lora import ParamWrapper
    from peft.tuners.tuners_utils import BaseTunerLayer

    entry = catalogue.lookup(model_id)
    assert entry is not None
    facts = entry.config_dict()
    model_type = facts.pop("model_type")
    facts.pop("architectures", None)
    config = transformers.AutoConfig.for_model(model_type, **facts)
    auto = {
        "SEQ_CLS": "AutoModelForSequenceClassification",
        "QUESTION_ANS": "AutoModelForQuestionAnswering",
        "TOKEN_CLS": "AutoModelForTokenClassification",
        "SEQ_2_SEQ_LM": "AutoModelForSeq2SeqLM",
    }.get(task_type or "", "AutoModelForCausalLM")
    with torch.device("meta"):
        model = getattr(transformers, auto).from_config(config)
    values = dict(kwargs)
    if task_type:
        values["task_type"] = task_type
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peft_model = get_peft_model(model, LoraConfig(**values), low_cpu_mem_usage=True)
    trainable, total = peft_model.get_nb_trainable_parameters()
    layers: dict[str, tuple[int, float]] = {}
    for name, module in peft_model.base_model.model.named_modules():
        if isinstance(module, BaseTunerLayer) and "default" in getattr(module, "r", {}):
            key = name
            if isinstance(module, ParamWrapper):
                while key.endswith(".base_layer"):
                    key = key[: -len(".base_layer")]
                key = f"{key}.{module.parameter_name}"
            layers[key] = (int(module.r["default"]), float(module.lora_alpha["default"]))
    modules = sorted(
        {
            k.rsplit(".", 1)[0] if isinstance(m, ParamWrapper) else k
            for k, m in ((k, _module_at(peft_model, k)) for k in layers)
        }
    )
    return {"trainable": trainable, "total": total, "layers": layers, "modules": modules}


def _module_at(peft_model: Any, key: str) -> Any:
    from peft.tuners.lora import ParamWrapper

    inner = peft_model.base_model.model
    try:
        return inner.get_submodule(key)
    except AttributeError:
        module = inner.get_submodule(key.rsplit(".", 1)[0])
        assert isinstance(module, ParamWrapper)
        return module


@pytest.mark.parametrize(("case", "model", "task_type", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_prediction_equals_get_peft_model(
    tmp_path: Path, case: str, model: str, task_type: str | None, kwargs: dict[str, Any]
) -> None:
    path = _config_file(tmp_path, model, task_type, kwargs)
    result = lint_paths([str(path)], Settings(offline=True))
    (config,) = result.files[0].configs
    pred = config.prediction
    assert pred is not None and pred.ok, pred.failure if pred else "no prediction"
    truth = _truth(model, task_type, kwargs)
    assert pred.trainable == truth["trainable"]
    assert pred.total == truth["total"]
    assert pred.modules == truth["modules"]
    assert {w.key: (w.r, w.alpha) for w in pred.wrapped} == truth["layers"]


def test_seed_guide_numbers_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _config_file(
        tmp_path, "gpt2", None, {"r": 8, "lora_alpha": 16, "target_modules": ["c_attn", "c_proj"]}
    )
    assert main([str(path), "--offline", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    (config,) = report["files"][0]["configs"]
    assert config["trainable_params"] == 811_008
    assert config["total_params"] == 125_250_816
    assert len(config["modules"]) == 36
    assert "transformer.h.0.mlp.c_proj" in config["modules"]


def test_moe_parameter_targets_are_listed_by_module(tmp_path: Path) -> None:
    path = _config_file(
        tmp_path, "mistralai/Mixtral-8x7B-v0.1", None, {"r": 8, "target_modules": "all-linear"}
    )
    result = lint_paths([str(path)], Settings(offline=True))
    pred = result.files[0].configs[0].prediction
    assert pred is not None and pred.ok
    assert "model.layers.0.mlp.experts" in pred.modules
    assert pred.trainable == 179_832_832


def test_question_answering_all_linear_is_a_peft_error(tmp_path: Path) -> None:
    """all-linear also wraps qa_outputs, which the QA task type then adds to modules_to_save: PEFT raises."""
    kwargs: dict[str, Any] = {"r": 4, "target_modules": "all-linear"}
    with pytest.raises(TypeError, match="modules_to_save cannot be applied"):
        _truth("bert-base-uncased", "QUESTION_ANS", kwargs)
    path = _config_file(tmp_path, "bert-base-uncased", "QUESTION_ANS", kwargs)
    result = lint_paths([str(path)], Settings(offline=True))
    assert [d.code for d in result.diagnostics] == ["LL013"]
    assert result.files[0].configs[0].as_json()["modules"] is None
