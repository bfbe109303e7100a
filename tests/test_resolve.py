"""Model resolution order: mapping, local folder or config.json, HF cache, catalogue, hub (config.json only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lora_lint.models import resolve as resolve_mod
from lora_lint.models.resolve import is_hub_id, resolve

TINY = {
    "model_type": "llama",
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "vocab_size": 256,
}


def test_local_folder_and_file(tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(TINY))
    by_folder = resolve("tiny", base_dir=tmp_path, offline=True)
    assert by_folder.source == "local" and by_folder.config == TINY
    by_file = resolve(str(folder / "config.json"), offline=True)
    assert by_file.source == "local" and by_file.config == TINY


def test_malformed_local_config(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{not json")
    found = resolve(str(tmp_path), offline=True)
    assert not found.ok and found.problem is not None and "malformed" in found.problem


def test_hf_cache_is_used_before_the_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = tmp_path / "models--openai-community--gpt2" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text(json.dumps({"model_type": "gpt2", "n_layer": 2}))
    refs = tmp_path / "models--openai-community--gpt2" / "refs"
    refs.mkdir()
    (refs / "main").write_text("abc123")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    found = resolve("openai-community/gpt2", offline=True)
    assert found.source == "cache"
    assert found.config == {"model_type": "gpt2", "n_layer": 2}


def test_catalogue_and_aliases() -> None:
    assert resolve("gpt2", offline=True).source == "catalogue"
    found = resolve("NousResearch/Meta-Llama-3-8B-Instruct", offline=True)
    assert found.source == "catalogue" and found.config is not None and found.config["model_type"] == "llama"


def test_offline_never_asks_the_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> Path:
        raise AssertionError("the hub was asked")

    monkeypatch.setattr(resolve_mod, "_from_hub", boom)
    found = resolve("some-org/unknown-model", offline=True)
    assert not found.ok and "offline" in (found.problem or "")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert not resolve("some-org/unknown-model").ok


def test_hub_gives_config_json_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []

    def fake(model_id: str, revision: str | None) -> Path:
        asked.append(model_id)
        path = tmp_path / "config.json"
        path.write_text(json.dumps(TINY))
        return path

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(resolve_mod, "_from_hub", fake)
    found = resolve("some-org/unknown-model")
    assert found.source == "hub" and found.config == TINY and asked == ["some-org/unknown-model"]


def test_hub_failure_is_a_problem_not_an_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(model_id: str, revision: str | None) -> Path:
        raise OSError("connection refused")

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(resolve_mod, "_from_hub", fail)
    found = resolve("some-org/unknown-model")
    assert not found.ok and "connection refused" in (found.problem or "")


def test_mapping_wins(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps(TINY))
    found = resolve("gpt2", offline=True, mapping={"gpt2": str(tmp_path)})
    assert found.source == "mapping" and found.config == TINY


@pytest.mark.parametrize("bad", ["../../etc", "/etc/passwd/..", "a/b/c", "org//name", "-rf", "a b"])
def test_traversal_and_odd_ids_are_not_hub_ids(bad: str) -> None:
    assert not is_hub_id(bad)
    assert not resolve(bad, offline=True).ok
