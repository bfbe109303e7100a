"""`lora-lint suggest`: the guide's strategies for any model, counted by PEFT, linting clean.

The "done means" check: for every model in the bundled catalogue and every strategy, the suggested
config goes through the real lint pipeline with no LL001, LL002 or LL003, and its trainable count
equals PEFT's ``get_peft_model`` on the meta model. The exhaustive version is ``slow``; a
representative subset (fused qkv, BERT's regex case, encoder-decoder, MoE rewrite) always runs.
"""

from __future__ import annotations

import functools
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from lora_lint.assist import memory
from lora_lint.assist.loading import Loaded, load
from lora_lint.assist.snippets import FRAMEWORKS, snippet
from lora_lint.assist.suggest import STRATEGIES, Options, Suggestion, suggest
from lora_lint.cli import main
from lora_lint.extract import extract
from lora_lint.lint import Session, Settings, lint_spec
from lora_lint.load import load_text
from lora_lint.matching import regex_matches
from lora_lint.models import catalogue

GIB = 1024**3
TARGET_RULES = {"LL001", "LL002", "LL003"}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@functools.cache
def loaded(model: str) -> Loaded:
    return load(model, offline=True)


@functools.cache
def suggestion(model: str, **options: Any) -> Suggestion:
    return suggest(loaded(model), Options(**options))


def trainable(model: str, strategy: str, **options: Any) -> int:
    result = suggestion(model, **options).strategies[strategy]
    assert result.available and result.prediction is not None, result.unavailable
    return result.prediction.trainable or 0


def independent_peft_count(built_model: Loaded, target: list[str] | str, dropout: float) -> int:
    """PEFT itself, not through lora-lint's predictor: get_peft_model on a fresh meta copy."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=8, lora_alpha=16, lora_dropout=dropout, target_modules=target)
    if built_model.task_type:
        config.task_type = built_model.task_type
    model = get_peft_model(built_model.built.fresh_model(), config, low_cpu_mem_usage=True)
    count, _ = model.get_nb_trainable_parameters()
    return int(count)


# ------------------------------------------------------------------ the guide's models, corrected


def test_gpt2_strategies_match_the_guide_corrected() -> None:
    s = suggestion("gpt2")
    assert s.strategies["attention"].target_modules == ["c_attn", "attn.c_proj"]
    assert trainable("gpt2", "attention") == 442_368  # the guide's arithmetic, now with a list that gives it
    assert s.strategies["attention-mlp"].target_modules == ["c_attn", "attn.c_proj", "c_fc", "mlp.c_proj"]
    assert trainable("gpt2", "attention-mlp") == 1_179_648
    assert s.strategies["qv"].target_modules == ["c_attn"]
    assert trainable("gpt2", "qv") == 294_912
    assert s.recommended == "attention"


def test_gpt2_guide_list_really_trains_811008() -> None:
    """The guide's own [c_attn, c_proj] also wraps mlp.c_proj: 811,008, not 442,368."""
    assert independent_peft_count(loaded("gpt2"), ["c_attn", "c_proj"], 0.05) == 811_008
    assert independent_peft_count(loaded("gpt2"), ["c_attn", "attn.c_proj"], 0.05) == 442_368


def test_fused_qkv_says_q_and_v_only_is_impossible_and_what_it_costs() -> None:
    notes = " ".join(suggestion("gpt2").strategies["qv"].notes)
    assert "q-and-v-only is not possible" in notes and "`c_attn`" in notes
    assert "294,912 trainable parameters, against 442,368 for attention" in notes
    phi = " ".join(suggestion("microsoft/Phi-3-mini-4k-instruct").strategies["qv"].notes)
    assert "q-and-v-only is not possible" in phi and "`qkv_proj`" in phi


@pytest.mark.parametrize("model", ["meta-llama/Llama-2-7b-hf", "mistralai/Mistral-7B-v0.1"])
def test_llama_and_mistral_match_the_guide(model: str) -> None:
    s = suggestion(model)
    assert s.strategies["attention"].target_modules == ["q_proj", "k_proj", "v_proj", "o_proj"]
    assert s.strategies["qv"].target_modules == ["q_proj", "v_proj"]
    assert s.strategies["attention-mlp"].target_modules == [
        "q_proj",
        "k_proj",
        "v_proj",
        "o_proj",
        "gate_proj",
        "up_proj",
        "down_proj",
    ]
    assert not s.strategies["qv"].notes


def test_llama2_counts() -> None:
    # r=8 on 32 layers of 4096 x 4096 projections: 8 * (4096 + 4096) * 32 per projection
    assert trainable("meta-llama/Llama-2-7b-hf", "qv") == 2 * 8 * 8192 * 32
    assert trainable("meta-llama/Llama-2-7b-hf", "attention") == 4 * 8 * 8192 * 32
    assert trainable("meta-llama/Llama-2-7b-hf", "attention-mlp") == 19_988_480


def test_bert_lists_are_unambiguous() -> None:
    s = suggestion("bert-base-uncased")
    assert s.strategies["qv"].target_modules == ["query", "value"]
    assert s.strategies["attention"].target_modules == ["query", "key", "value", "attention.output.dense"]
    assert trainable("bert-base-uncased", "attention") == 589_824
    # layer.N.output.dense cannot be singled out by a list entry: one full-match regex instead
    mlp = s.strategies["attention-mlp"]
    assert isinstance(mlp.target_modules, str)
    names = loaded("bert-base-uncased").built.inventory.names
    assert set(regex_matches(mlp.target_modules, names)) == set(mlp.modules)
    assert trainable("bert-base-uncased", "attention-mlp") == 1_327_104
    assert any("regex" in note for note in mlp.notes)


def test_moe_rewrite_is_reported() -> None:
    result = suggestion("deepseek-ai/DeepSeek-V2-Lite").strategies["attention-mlp"]
    assert result.available and result.dropout == 0.0
    joined = " ".join(result.notes)
    assert "target_parameters" in joined and "unadapted" in joined
    qv = " ".join(suggestion("deepseek-ai/DeepSeek-V2-Lite").strategies["qv"].notes)
    assert "k and v share fused layers" in qv


# -------------------------------------------------------------------------------- recommendation


@pytest.mark.parametrize(
    ("task", "vram", "expected"),
    [
        (None, None, "attention"),
        (None, 4, "qv"),
        (None, 8, "attention"),
        (None, 16, "attention"),
        ("generation", 16, "attention-mlp"),
        ("summarization", None, "attention-mlp"),
        ("generation", 8, "attention"),
        ("generation", 6, "qv"),
        ("classification", 24, "attention"),
        ("qa", 16, "attention"),
        ("translation", None, "attention"),
    ],
)
def test_guide_tiers_and_tasks(task: str | None, vram: int | None, expected: str) -> None:
    s = suggestion("gpt2", task=task, vram=vram * GIB if vram else None)
    assert s.recommended == expected
    assert not s.warnings


def test_steps_down_until_the_estimate_fits() -> None:
    model = "meta-llama/Llama-2-7b-hf"
    full = suggestion(model, task="generation", vram=16 * GIB)
    assert full.recommended == "qv" and full.warnings  # 13 GB of bf16 weights do not leave room
    quantized = suggestion(model, task="generation", vram=16 * GIB, memory=memory.Settings(quantize="4bit"))
    assert quantized.recommended == "attention-mlp" and not quantized.warnings


# ------------------------------------------------------------------------------------ memory


def test_memory_formula_on_gpt2_attention() -> None:
    s = suggestion("gpt2")
    result = s.strategies["attention"]
    est = result.estimate
    assert est is not None
    tokens, h, f, blocks, vocab = 512, 768, 3072, 12, 50257
    assert est.weights == 124_439_808 * 2
    assert (est.lora, est.gradients, est.optimizer) == (442_368 * 4, 442_368 * 4, 442_368 * 8)
    lora_acts = 24 * tokens * (768 + 8) * 2  # dropped-out input copy and x @ A per wrapped module
    assert est.activations == blocks * tokens * (16 * h + 4 * f) + lora_acts
    assert est.logits == tokens * vocab * (2 + 8)
    assert est.total == sum(
        est.as_json()[k] for k in ("weights", "lora", "gradients", "optimizer", "activations", "logits")
    )


def test_memory_quantization_and_checkpointing_shrink_the_estimate() -> None:
    model = "meta-llama/Llama-3.2-1B"
    base = suggestion(model).strategies["attention"].estimate
    q4 = suggestion(model, memory=memory.Settings(quantize="4bit")).strategies["attention"].estimate
    ckpt = (
        suggestion(model, memory=memory.Settings(gradient_checkpointing=True))
        .strategies["attention"]
        .estimate
    )
    assert base is not None and q4 is not None and ckpt is not None
    assert q4.weights < base.weights / 2
    assert ckpt.activations < base.activations / 4
    assert ckpt.weights == base.weights


@pytest.mark.parametrize(
    ("text", "gib"), [("8GB", 8), ("8", 8), ("16 GiB", 16), ("24gb", 24), ("512MB", 0.5), ("1.5T", 1536)]
)
def test_parse_vram(text: str, gib: float) -> None:
    assert memory.parse_vram(text) == gib * GIB


def test_parse_vram_rejects_junk() -> None:
    with pytest.raises(ValueError):
        memory.parse_vram("eight gigs")


# ---------------------------------------------------------------------------------------- CLI


def test_cli_json_fields() -> None:
    code, out, err = run("suggest", "gpt2", "--offline", "--format", "json", "--task", "qa", "--vram", "8GB")
    assert code == 0, err
    data = json.loads(out)
    assert data["recommended"] == "attention" and data["chosen"] == "attention"
    assert [s["strategy"] for s in data["strategies"]] == list(STRATEGIES)
    for item in data["strategies"]:
        for key in (
            "target_modules",
            "modules",
            "trainable_params",
            "total_params",
            "memory_bytes",
            "recommended",
        ):
            assert key in item
    attention = data["strategies"][1]
    assert attention["recommended"] is True and attention["trainable_params"] == 442_368
    assert attention["total_params"] == 124_439_808 + 442_368
    assert len(attention["modules"]) == 24 and attention["memory_bytes"] > 0
    assert "target_modules: [c_attn, attn.c_proj]" in data["snippet"]


def test_cli_text_marks_recommended_and_prints_snippet() -> None:
    code, out, _ = run(
        "suggest", "gpt2", "--offline", "--strategy", "attention-mlp", "--framework", "axolotl"
    )
    assert code == 0
    assert re.search(r"^\* attention .*\(recommended\)$", out, re.MULTILINE)
    assert "axolotl config for attention-mlp:" in out
    assert "  - mlp.c_proj" in out
    assert "memory for attention-mlp (estimate):" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["suggest", "nobody/no-such-model-xyz", "--offline"],
        ["suggest", "gpt2", "--offline", "--vram", "lots"],
        ["suggest", "gpt2", "--offline", "--r", "0"],
    ],
)
def test_cli_errors_are_one_line(argv: list[str]) -> None:
    code, out, err = run(*argv)
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err


def test_trl_single_entry_is_spelled_as_a_regex() -> None:
    text = snippet("trl", suggestion("gpt2"), "qv")
    data = yaml.safe_load(text)
    (pattern,) = data["lora_target_modules"]
    names = loaded("gpt2").built.inventory.names
    assert set(regex_matches(pattern, names)) == {f"transformer.h.{i}.attn.c_attn" for i in range(12)}


# ---------------------------------------------------------------- done means: lint clean, PEFT's count


def lint_snippet(text: str, session: Session) -> tuple[int | None, list[str], list[str]]:
    docs = load_text("suggested.yaml", text)
    specs = [spec for doc in docs for spec in extract(doc)]
    assert len(specs) == 1, text
    result, diagnostics = lint_spec(specs[0], "suggested.yaml", session)
    pred = result.prediction
    return (pred.trainable if pred else None), (pred.modules if pred else []), [d.code for d in diagnostics]


def check_model(model: str, frameworks: tuple[str, ...] = ("peft",), independent: bool = False) -> None:
    s = suggest(loaded(model), Options())
    session = Session(Settings(offline=True))
    for name in STRATEGIES:
        result = s.strategies[name]
        assert result.available and result.prediction is not None, (model, name, result.unavailable)
        if result.spelling is not None and name != "all-linear":
            assert set(result.prediction.modules) >= set(result.spelling.modules) - {
                m for note in result.notes if "unadapted" in note for m in result.spelling.modules
            }
        for framework in frameworks:
            text = snippet(framework, s, name)
            yaml.safe_load(text)
            count, modules, codes = lint_snippet(text, session)
            assert not TARGET_RULES & set(codes), (model, name, framework, codes, text)
            assert count == result.prediction.trainable, (model, name, framework)
            assert modules == result.prediction.modules, (model, name, framework)
        if independent:
            assert result.target_modules is not None
            count = independent_peft_count(loaded(model), result.target_modules, result.dropout)
            assert count == result.prediction.trainable, (model, name)


REPRESENTATIVE = (
    "gpt2",
    "bert-base-uncased",
    "t5-small",
    "EleutherAI/pythia-160m",
    "microsoft/Phi-3-mini-4k-instruct",
    "HuggingFaceTB/SmolLM2-135M",
    "deepseek-ai/DeepSeek-V2-Lite",
)


@pytest.mark.parametrize("model", REPRESENTATIVE)
def test_suggested_configs_lint_clean_and_match_peft(model: str) -> None:
    check_model(model, independent=True)


@pytest.mark.parametrize("model", ["gpt2", "bert-base-uncased", "meta-llama/Llama-3.2-1B"])
def test_every_framework_snippet_lints_to_the_same_count(model: str) -> None:
    from lora_lint.extract import ADAPTERS

    known = {getattr(a, "NAME", "") for a in ADAPTERS}
    frameworks = tuple(f for f in FRAMEWORKS if f in known and f != "torchtune")
    if model == "meta-llama/Llama-3.2-1B" and "torchtune" in known:
        frameworks += ("torchtune",)  # torchtune builds its own tree; it has a builder for this one
    if model == "bert-base-uncased":  # mlx-lm keys cannot reach the MLM head outside the blocks
        frameworks = tuple(f for f in frameworks if f != "mlx-lm")
    check_model(model, frameworks)


@pytest.mark.slow
@pytest.mark.parametrize("model", [e.id for e in catalogue.entries() if e.id not in REPRESENTATIVE])
def test_every_catalogue_model_lints_clean_and_matches_peft(model: str) -> None:
    check_model(model)


def test_vision_language_model_adapts_the_language_tower_only(shared: Path) -> None:
    path = shared / "model-configs" / "lower-confidence" / "llava-hf--llava-1.5-7b-hf.json"
    if not path.is_file():
        pytest.skip("LLaVA config not in ../shared/model-configs")
    s = suggestion(str(path))
    qv = s.strategies["qv"]
    # q_proj/v_proj also exist in the CLIP vision tower: a regex scoped to the language model
    assert isinstance(qv.target_modules, str) and "language_model" in qv.target_modules
    assert qv.modules and all(".language_model." in m for m in qv.modules)
    assert len(qv.modules) == 64
    check_model(str(path))
