"""Bad base models: a malformed or hostile config.json, an unknown architecture, sizes that cannot be
built, and model ids that try to leave the folder. Each is one LL009 naming the model and the reason."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from reliability_helpers import assert_clean_exit, lint

import lora_lint.models.resolve as resolve_mod

CONFIGS: list[tuple[str, bytes, str]] = [
    (
        "syntax",
        b'{"model_type": "llama",\n "hidden_size": 64',
        "Expecting ',' delimiter at line 2, column 19",
    ),
    ("not-an-object", b"[1, 2, 3]", "does not hold a JSON object"),
    ("empty", b"", "Expecting value at line 1, column 1"),
    ("not-utf8", b'{"model_type": "caf\xe9"}', "can't decode byte"),
    ("deep", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ("no-model-type", b'{"hidden_size": 64}', "config.json has no `model_type`"),
    (
        "unknown-model-type",
        b'{"model_type": "no-such-architecture"}',
        "unknown model_type `no-such-architecture`",
    ),
    (
        "heads-do-not-divide",
        json.dumps({"model_type": "gpt2", "n_embd": 100, "n_head": 7, "n_layer": 2}).encode(),
        "`embed_dim` must be divisible by num_heads",
    ),
    (
        "wrong-type",
        json.dumps({"model_type": "gpt2", "n_embd": "wide", "n_head": 4, "n_layer": 2}).encode(),
        "invalid gpt2 config: Validation error for field 'n_embd': TypeError",
    ),
    (
        "too-many-layers",
        json.dumps(
            {"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 10**9}
        ).encode(),
        "`num_hidden_layers` is 1,000,000,000, more than any real model has",
    ),
    (
        "too-many-experts-nested",
        json.dumps({"model_type": "qwen3_moe", "text_config": {"num_experts": 100_000}}).encode(),
        "`text_config.num_experts` is 100,000",
    ),
]


@pytest.mark.parametrize(("name", "content", "reason"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_bad_config_json_names_model_and_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    model = tmp_path / "models" / name
    model.mkdir(parents=True)
    (model / "config.json").write_bytes(content)
    (tmp_path / "adapter.yaml").write_text(
        f"base_model_name_or_path: ./models/{name}\nr: 8\ntarget_modules: [q_proj]\npeft_type: LORA\n"
    )
    run = lint("adapter.yaml", "--offline", "--isolated", "--no-cache", "--format", "json", cwd=tmp_path)
    assert_clean_exit(run)
    [diag] = [d for d in run.diagnostics if d["code"] == "LL009"]
    assert f"`./models/{name}`" in diag["message"] and reason in diag["message"], diag["message"]
    assert (diag["line"], diag["column"]) == (1, 26)
    strict = lint("adapter.yaml", "--offline", "--isolated", "--no-cache", "--strict", cwd=tmp_path)
    assert strict.code == 1


def test_config_json_that_is_a_fifo_is_not_opened(tmp_path: Path) -> None:
    model = tmp_path / "models" / "pipe"
    model.mkdir(parents=True)
    os.mkfifo(model / "config.json")
    (tmp_path / "adapter.yaml").write_text(
        "base_model_name_or_path: ./models/pipe/config.json\nr: 8\npeft_type: LORA\n"
    )
    run = lint("adapter.yaml", "--offline", "--isolated", "--format", "json", cwd=tmp_path)
    assert_clean_exit(run)
    assert "LL009" in run.codes()


TRAVERSAL = [
    "../../etc",
    "../../../../../../../../etc/passwd",
    "org/../../etc",
    "gpt2/../../../etc",
    "..",
    "~root/.ssh",
    "~no-such-user-here/model",
    "org\\..\\..\\etc",
    "a" * 5000,
    "org/name/extra/../..",
]


@pytest.mark.parametrize("model_id", TRAVERSAL, ids=range(len(TRAVERSAL)))
def test_path_traversal_ids_never_reach_the_hub(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_id: str
) -> None:
    asked: list[str] = []

    def hub(mid: str, revision: str | None) -> Path:
        asked.append(mid)
        raise OSError("the hub is not reachable in tests")

    monkeypatch.delenv("HF_HUB_OFFLINE")  # online: only the id check keeps these away from the hub
    monkeypatch.setattr(resolve_mod, "_from_hub", hub)
    folder = tmp_path / "a" / "b"
    folder.mkdir(parents=True)
    (folder / "adapter.json").write_text(
        json.dumps(
            {"base_model_name_or_path": model_id, "peft_type": "LORA", "r": 8, "target_modules": ["q_proj"]}
        )
    )
    run = lint("adapter.json", "--isolated", "--format", "json", cwd=folder)
    assert_clean_exit(run)
    [diag] = [d for d in run.diagnostics if d["code"] == "LL009"]
    assert "not resolved" in diag["message"]
    if ".." in model_id or "~" in model_id or "\\" in model_id:
        assert asked == [] and "not a valid Hugging Face model id" in diag["message"]


def test_relative_model_folder_outside_the_config_folder_is_allowed(tmp_path: Path) -> None:
    """A relative path is a local model folder, as in the training frameworks; it is read, never run."""
    model = tmp_path / "models" / "tiny"
    model.mkdir(parents=True)
    (model / "config.json").write_text(
        json.dumps({"model_type": "gpt2", "n_layer": 2, "n_embd": 64, "n_head": 4, "vocab_size": 100})
    )
    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "adapter.yaml").write_text(
        "base_model_name_or_path: ../models/tiny\nr: 8\ntarget_modules: [c_attn]\n"
    )
    run = lint("adapter.yaml", "--offline", "--isolated", "--format", "json", cwd=configs)
    assert_clean_exit(run)
    [config] = json.loads(run.out)["files"][0]["configs"]
    assert config["model_source"] == "local" and len(config["modules"]) == 2
