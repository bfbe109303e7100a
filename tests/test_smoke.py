"""Smoke-training: shrinking keeps the module tree, real configs pass, broken ones fail the right check."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from lora_lint.extract import extract
from lora_lint.load import load_path
from lora_lint.models import catalogue
from lora_lint.smoke import checks as C
from lora_lint.smoke.data import DataError, read_jsonl
from lora_lint.smoke.runner import SmokeOptions, SmokeResult, smoke_spec
from lora_lint.smoke.settings import from_document
from lora_lint.smoke.shrink import min_layers_for, shrink
from lora_lint.smoke.train import Progress

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

STEPS = 6

GPT2 = """\
base_model_name_or_path: gpt2
task_type: CAUSAL_LM
learning_rate: 2e-3
lora:
  r: 4
  lora_alpha: 8
  lora_dropout: 0.05
  target_modules: [c_attn, c_proj]
"""
LLAMA = {
    "peft_type": "LORA",
    "task_type": "CAUSAL_LM",
    "base_model_name_or_path": "meta-llama/Llama-3.1-8B-Instruct",
    "r": 4,
    "lora_alpha": 8,
    "lora_dropout": 0.05,
    "bias": "none",
    "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
}
BERT = """\
model_name_or_path: bert-base-uncased
training:
  per_device_train_batch_size: 3
  max_seq_length: 16
peft_config:
  task_type: SEQ_CLS
  r: 4
  lora_alpha: 8
  target_modules: [query, value, dense]
"""


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _write(tmp_path: Path, name: str, text: str | dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(text if isinstance(text, str) else json.dumps(text))
    return path


def _smoke(path: Path, **options: Any) -> SmokeResult:
    spec = extract(load_path(str(path))[0])[0]
    opts = SmokeOptions(steps=STEPS, offline=True, device="cpu", **options)
    return smoke_spec(spec, str(path), opts)


def _failed(result: SmokeResult) -> set[str]:
    return {c.name for c in result.checks if not c.ok}


def _norm(names: list[str]) -> set[str]:
    return {re.sub(r"\.\d+(?=\.|$)", ".N", n) for n in names}


# --------------------------------------------------------------------------- shrink


@pytest.mark.parametrize(
    "model_id",
    [
        "gpt2",
        "bert-base-uncased",
        "meta-llama/Llama-3.1-8B",
        "mistralai/Mixtral-8x7B-v0.1",
        "google/gemma-2-2b",
    ],
)
def test_shrink_keeps_module_names_and_types(model_id: str) -> None:
    from lora_lint.models.inventory import build

    entry = catalogue.lookup(model_id)
    assert entry is not None
    full = build(entry.config_dict(), model_id).inventory
    small = build(shrink(entry.config_dict()).config, model_id).inventory
    assert small.num_layers == 2
    assert _norm(small.names) == _norm(full.names)
    full_types = {re.sub(r"\.\d+(?=\.|$)", ".N", r.name): r.cls for r in full.modules}
    assert {re.sub(r"\.\d+(?=\.|$)", ".N", r.name): r.cls for r in small.modules} == full_types
    assert small.total_params < full.total_params / 100


def test_shrink_keeps_head_and_kv_head_divisibility() -> None:
    entry = catalogue.lookup("meta-llama/Llama-3.1-8B")  # 32 heads, 8 key/value heads
    assert entry is not None
    original = entry.config_dict()
    config = shrink(original).config
    heads, kv = config["num_attention_heads"], config["num_key_value_heads"]
    assert heads % kv == 0 and 1 < kv < heads  # still grouped-query attention
    assert config["hidden_size"] == heads * config["head_dim"]
    assert config["vocab_size"] <= 512
    assert config["num_hidden_layers"] == 2
    assert original == entry.config_dict()  # the original is untouched


def test_shrink_keeps_layers_a_config_selects_by_index() -> None:
    assert min_layers_for({"layers_to_transform": [3, 7]}) == 8
    assert min_layers_for({"layers_to_transform": 5}) == 6
    assert min_layers_for({}) == 0
    entry = catalogue.lookup("gpt2")
    assert entry is not None
    assert shrink(entry.config_dict(), layers=8).layers == 8


def test_settings_are_read_near_the_lora_block(tmp_path: Path) -> None:
    path = _write(tmp_path, "c.yaml", BERT + "learning_rate: '2e-4'\n")
    spec = extract(load_path(str(path))[0])[0]
    found = from_document(spec.document, spec.location)
    assert found.learning_rate is not None and found.learning_rate.value == pytest.approx(2e-4)
    assert found.seq_len is not None and found.seq_len.value == 16
    assert (
        found.batch_size is not None and found.batch_size.pointer == "/training/per_device_train_batch_size"
    )


# --------------------------------------------------------------------------- real configs pass


def test_gpt2_shaped_config_passes(tmp_path: Path) -> None:
    result = _smoke(_write(tmp_path, "gpt2.yaml", GPT2))
    assert result.ok, [c.summary for c in result.checks]
    assert result.build == "shrunk" and result.architecture["num_hidden_layers"] == 2
    assert result.settings["learning_rate"] == pytest.approx(2e-3)
    assert result.settings["learning_rate_from"] == "/learning_rate"
    loss = result.check("loss")
    assert loss is not None
    assert loss.figures["perplexity_after"] < loss.figures["perplexity_before"]
    names = [c.name for c in result.checks]
    assert names == ["loss", "gradients", "frozen", "trainable-count", "save-load", "merge"]


def test_llama_shaped_config_passes(tmp_path: Path) -> None:
    result = _smoke(_write(tmp_path, "adapter_config.json", LLAMA))
    assert result.ok, [c.summary for c in result.checks]
    arch = result.architecture
    assert arch["num_attention_heads"] % arch["num_key_value_heads"] == 0
    count = result.check("trainable-count")
    assert count is not None and count.figures["trainable"] == count.figures["predicted"] > 0


def test_bert_shaped_config_passes(tmp_path: Path) -> None:
    result = _smoke(_write(tmp_path, "bert.yaml", BERT))
    assert result.ok, [c.summary for c in result.checks]
    assert result.auto_class == "AutoModelForSequenceClassification"
    assert (result.settings["seq_len"], result.settings["batch_size"]) == (16, 3)
    loss = result.check("loss")
    assert loss is not None and "perplexity_before" not in loss.figures  # a classifier has no perplexity


def test_sequence_length_is_capped_by_a_learned_position_table(tmp_path: Path) -> None:
    spec = extract(load_path(str(_write(tmp_path, "bert.yaml", BERT)))[0])[0]
    options = SmokeOptions(steps=2, offline=True, device="cpu", seq_len=600, batch_size=1)
    result = smoke_spec(spec, "bert.yaml", options)
    assert result.settings["seq_len"] == 510  # BERT has 512 positions
    assert result.settings["seq_len_from"] == "command line; the model has 510 positions"
    assert result.ok, [c.summary for c in result.checks]


# --------------------------------------------------------------------------- broken configs fail


def test_adapter_that_never_sees_its_input_fails_gradients(tmp_path: Path) -> None:
    # lora_dropout 1.0 zeroes every LoRA input: B and A never receive a gradient.
    result = _smoke(_write(tmp_path, "drop.yaml", GPT2.replace("lora_dropout: 0.05", "lora_dropout: 1.0")))
    assert not result.ok
    assert "gradients" in _failed(result)
    gradients = result.check("gradients")
    assert gradients is not None and gradients.figures["zero_gradient"]
    assert "trainable-count" not in _failed(result)


def test_lora_on_a_tied_embedding_fails_merge(tmp_path: Path) -> None:
    # GPT-2's wte is the output head too: merging the adapter changes the logits' projection.
    result = _smoke(_write(tmp_path, "wte.yaml", GPT2.replace("[c_attn, c_proj]", "[wte, c_attn]")))
    assert _failed(result) == {"merge"}
    merge = result.check("merge")
    assert merge is not None and "tied to the output head" in merge.summary


def test_frozen_lora_weights_fail_gradients_and_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lora_lint.smoke import train

    real = train.apply_peft

    def frozen_b_and_a(model: Any, kwargs: dict[str, Any], task_type: str | None) -> Any:
        peft_model = real(model, kwargs, task_type)
        for name, param in peft_model.named_parameters():
            if ".h.0." in name and (".lora_A." in name or ".lora_B." in name):
                param.requires_grad_(False)
        return peft_model

    monkeypatch.setattr(train, "apply_peft", frozen_b_and_a)
    result = _smoke(_write(tmp_path, "gpt2.yaml", GPT2))
    assert _failed(result) == {"gradients", "trainable-count"}
    gradients = result.check("gradients")
    # c_attn, attn.c_proj and mlp.c_proj of layer 0, A and B each
    assert gradients is not None and len(gradients.figures["frozen_lora"]) == 6


def test_broken_save_fails_save_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from safetensors.torch import load_file, save_file

    real = C.save_adapter

    def drop_one_tensor(model: Any, folder: Path) -> None:
        real(model, folder)
        file = folder / "adapter_model.safetensors"
        tensors = load_file(str(file))
        tensors.pop(min(tensors))
        save_file(tensors, str(file))

    monkeypatch.setattr(C, "save_adapter", drop_one_tensor)
    result = _smoke(_write(tmp_path, "gpt2.yaml", GPT2))
    assert _failed(result) == {"save-load"}


def test_unresolvable_model_is_a_failing_setup_check(tmp_path: Path) -> None:
    result = _smoke(_write(tmp_path, "x.yaml", GPT2.replace("gpt2", "no-such-org/no-such-model")))
    assert [c.name for c in result.checks] == ["setup"] and not result.ok


# --------------------------------------------------------------------------- data, weights, pieces


def test_jsonl_data_trains_and_bad_lines_have_positions(tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text('{"text": "hello world, again and again"}\n"plain string row"\n')
    assert [r.text for r in read_jsonl(str(data))][1] == "plain string row"
    result = _smoke(_write(tmp_path, "gpt2.yaml", GPT2), data=str(data))
    assert result.ok, [c.summary for c in result.checks]
    assert "2 rows, UTF-8 bytes" in result.settings["data"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"text": \n')
    with pytest.raises(DataError) as info:
        read_jsonl(str(bad))
    assert info.value.line == 2


def test_local_safetensors_weights_are_used(tmp_path: Path) -> None:
    import transformers

    folder = tmp_path / "tiny-gpt2"
    cfg = transformers.GPT2Config(n_embd=32, n_layer=2, n_head=2, vocab_size=300, n_positions=64)
    transformers.GPT2LMHeadModel(cfg).save_pretrained(str(folder), safe_serialization=True)
    path = _write(tmp_path, "local.yaml", GPT2.replace("gpt2\n", "./tiny-gpt2\n", 1))
    result = _smoke(path)
    assert result.build == "weights" and result.model_source == "local"
    assert result.ok, [c.summary for c in result.checks]


@pytest.mark.parametrize("exact_limit", [C.EXACT_SNAPSHOT_BYTES, 0])
def test_frozen_check_sees_a_changed_base_weight(monkeypatch: pytest.MonkeyPatch, exact_limit: int) -> None:
    monkeypatch.setattr(C, "EXACT_SNAPSHOT_BYTES", exact_limit)  # 0: fingerprints, as for big models
    model = torch.nn.Sequential(torch.nn.Linear(300, 300), torch.nn.Linear(300, 2))
    model.requires_grad_(False)
    before = C.snapshot(model)
    assert C.frozen_check(before, model).ok
    with torch.no_grad():
        model[0].weight.mul_(1.001)
    failed = C.frozen_check(before, model)
    assert not failed.ok and failed.figures["changed"] == ["0.weight"]


def test_merge_tolerance_depends_on_dtype() -> None:
    assert C.MERGE_TOLERANCE["float32"] < C.MERGE_TOLERANCE["float16"] < C.MERGE_TOLERANCE["bfloat16"]


def test_memory_check_against_vram_and_estimate() -> None:
    gib = 1024**3
    ok = C.memory_check(10 * gib, 8 * gib, 24 * gib)
    assert ok.ok and ok.figures["peak_over_estimate"] == pytest.approx(1.25)
    over = C.memory_check(30 * gib, None, 24 * gib)
    assert not over.ok and "over --vram" in over.summary


def test_memory_estimate_for_the_gpu_comparison_runs_without_a_gpu(tmp_path: Path) -> None:
    from lora_lint.smoke.runner import _predict, memory_estimate

    spec = extract(load_path(str(_write(tmp_path, "gpt2.yaml", GPT2)))[0])[0]
    entry = catalogue.lookup("gpt2")
    assert entry is not None
    built, prediction = _predict(shrink(entry.config_dict()).config, "gpt2", spec, None)
    small = memory_estimate(built, prediction, spec, 32, 2, "float32")
    large = memory_estimate(built, prediction, spec, 128, 4, "float32")
    assert small is not None and large is not None and 0 < small < large


def test_progress_bar_only_on_a_terminal() -> None:
    stream = io.StringIO()
    Progress(4, "smoke", stream).update(2, 1.5)
    assert stream.getvalue() == ""  # StringIO is not a TTY
    forced = Progress(4, "smoke", stream, enabled=True)
    forced.update(2, 1.5)
    forced.close()
    assert "2/4" in stream.getvalue() and stream.getvalue().endswith("\n")


# --------------------------------------------------------------------------- command line


def _cli(*argv: str) -> tuple[int, str]:
    from lora_lint.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue() + err.getvalue()


def test_smoke_command_json_and_exit_code(tmp_path: Path) -> None:
    good = _write(tmp_path, "gpt2.yaml", GPT2)
    code, out = _cli("smoke", str(good), "--offline", "--device", "cpu", "--steps", "4", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["ok"] is True
    assert set(doc["tools"]) >= {"lora_lint", "torch", "transformers", "peft"}
    assert {c["name"] for c in doc["results"][0]["checks"]} >= {"loss", "merge", "save-load"}
    bad = _write(tmp_path, "drop.yaml", GPT2.replace("lora_dropout: 0.05", "lora_dropout: 1.0"))
    code, out = _cli("smoke", str(bad), "--offline", "--device", "cpu", "--steps", "4")
    assert code == 1 and "FAIL gradients" in out


def test_smoke_command_bad_vram_is_a_usage_error(tmp_path: Path) -> None:
    code, out = _cli("smoke", str(_write(tmp_path, "g.yaml", GPT2)), "--vram", "lots")
    assert code == 2 and "Traceback" not in out


def test_lint_smoke_skips_configs_with_errors(tmp_path: Path) -> None:
    _write(tmp_path, "good.yaml", GPT2)
    _write(tmp_path, "typo.yaml", GPT2.replace("[c_attn, c_proj]", "[q_proj]"))
    code, out = _cli(str(tmp_path), "--offline", "--smoke", "--format", "json")
    doc = json.loads(out)
    assert code == 1  # the typo is a lint error
    assert doc["smoke"]["skipped"] == 1
    assert [Path(r["path"]).name for r in doc["smoke"]["results"]] == ["good.yaml"]
    assert doc["smoke"]["ok"] is True


def test_unreadable_config_fails_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.yaml", "lora:\n  r: 8\n  target_modules: [c_attn\n")
    code, out = _cli("smoke", str(path), "--offline")
    assert code == 1 and "FAIL setup" in out and "cannot read the config" in out
    assert re.search(r"broken\.yaml:\d+", out) and "Traceback" not in out


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_path_reports_peak_memory(tmp_path: Path) -> None:
    spec = extract(load_path(str(_write(tmp_path, "gpt2.yaml", GPT2)))[0])[0]
    result = smoke_spec(
        spec, "gpt2.yaml", SmokeOptions(steps=STEPS, offline=True, device="cuda", vram_bytes=80 * 1024**3)
    )
    assert result.ok, [c.summary for c in result.checks]
    memory = result.check("memory")
    assert memory is not None and memory.figures["peak_bytes"] > 0
