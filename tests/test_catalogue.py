"""Tests for lora_lint.models.catalogue.

The main check builds every catalogue entry on the meta device and, where a
real ``config.json`` for the same model is available under
``../shared/model-configs`` (outside the repository), compares the resulting
parameter names/shapes and module names with the module tree built from the
real config.
"""

from __future__ import annotations

import csv
import functools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lora_lint.models import catalogue
from lora_lint.models.catalogue import CatalogueEntry, all_ids, entries, lookup

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

CONFIG_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "model-configs"

# Fields of a legacy falcon ("RefinedWebModel") config.json, renamed the way
# transformers' FalconConfig reads them.
_FALCON_LEGACY_KEYS = {"n_head": "num_attention_heads", "n_layer": "num_hidden_layers"}

Tree = tuple[tuple[tuple[str, tuple[int, ...]], ...], tuple[str, ...]]


# --------------------------------------------------------------------------- helpers


def _make_config(config: dict[str, Any]) -> Any:
    config = dict(config)
    model_type = config.pop("model_type")
    return transformers.AutoConfig.for_model(model_type, **config)


def _build_tree(config: dict[str, Any], architecture: str) -> Tree:
    """Module tree (parameter names+shapes, module names) of ``architecture`` built on meta."""
    model_cls = getattr(transformers, architecture)
    with torch.device("meta"):
        model = model_cls(_make_config(config))
    params = tuple((name, tuple(p.shape)) for name, p in model.named_parameters())
    modules = tuple(name for name, _ in model.named_modules())
    return params, modules


@functools.cache
def _entry_tree(entry_id: str) -> Tree:
    entry = lookup(entry_id)
    assert entry is not None
    return _build_tree(entry.config_dict(), entry.architectures[0])


@functools.cache
def _real_tree(file_name: str, architecture: str) -> Tree:
    return _build_tree(_load_real_config(file_name), architecture)


def _resolve_file(name: str) -> Path:
    path = CONFIG_DIR / name
    if not path.exists():
        # INDEX.tsv spells the folder "_lower_confidence/", on disk it is "lower-confidence/".
        path = CONFIG_DIR / name.replace("_lower_confidence/", "lower-confidence/")
    return path


def _load_real_config(file_name: str) -> dict[str, Any]:
    raw = json.loads(_resolve_file(file_name).read_text())
    config = {k: v for k, v in raw.items() if k not in ("auto_map", "architectures", "quantization_config")}
    if config.get("model_type") == "RefinedWebModel":
        # Legacy falcon: transformers' FalconConfig covers it under model_type "falcon".
        config["model_type"] = "falcon"
        for old, new in _FALCON_LEGACY_KEYS.items():
            if old in config:
                config[new] = config.pop(old)
    return config


def _index_rows() -> list[dict[str, str]]:
    if not (CONFIG_DIR / "INDEX.tsv").is_file():
        return []
    with (CONFIG_DIR / "INDEX.tsv").open(newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _comparable_rows() -> list[tuple[str, str, str]]:
    """(model_id, file, catalogue id) for every indexed config the catalogue knows."""
    out: list[tuple[str, str, str]] = []
    for row in _index_rows():
        entry = lookup(row["model_id"]) or (lookup(row["alias_of"]) if row.get("alias_of") else None)
        if entry is None or not _resolve_file(row["file"]).is_file():
            continue
        out.append((row["model_id"], row["file"], entry.id))
    return out


_COMPARABLE = _comparable_rows()


# --------------------------------------------------------------------------- real configs


def _diff(a: tuple[Any, ...], b: tuple[Any, ...]) -> str:
    only_a = [x for x in a if x not in set(b)][:5]
    only_b = [x for x in b if x not in set(a)][:5]
    return f"catalogue-only: {only_a}, real-only: {only_b}"


@pytest.mark.parametrize(("model_id", "file_name", "entry_id"), _COMPARABLE, ids=[r[0] for r in _COMPARABLE])
def test_matches_real_config(model_id: str, file_name: str, entry_id: str) -> None:
    entry = lookup(entry_id)
    assert entry is not None
    architecture = entry.architectures[0]
    cat_params, cat_modules = _entry_tree(entry.id)
    real_params, real_modules = _real_tree(file_name, architecture)
    assert cat_params == real_params, f"{model_id} vs {entry.id}: {_diff(cat_params, real_params)}"
    assert cat_modules == real_modules, f"{model_id} vs {entry.id}: {_diff(cat_modules, real_modules)}"


def test_enough_real_configs_compared() -> None:
    if not (CONFIG_DIR / "INDEX.tsv").is_file():
        pytest.skip(f"real configs not available at {CONFIG_DIR}")
    assert len(_COMPARABLE) >= 15, f"only {len(_COMPARABLE)} real configs map to catalogue entries"
    assert len({entry_id for _, _, entry_id in _COMPARABLE}) >= 15


# --------------------------------------------------------------------------- every entry builds


@pytest.mark.parametrize("entry", entries(), ids=[e.id for e in entries()])
def test_entry_builds_on_meta(entry: CatalogueEntry) -> None:
    params, modules = _entry_tree(entry.id)
    assert params, entry.id
    assert modules[0] == ""
    # the config really is of the declared class and carries the declared fields
    config = _make_config(entry.config_dict())
    assert config.model_type == entry.model_type
    for key, value in entry.fields.items():
        assert getattr(config, key) == value, (entry.id, key)


def test_entry_architectures_exist() -> None:
    for entry in entries():
        assert entry.architectures, entry.id
        for name in entry.architectures:
            assert hasattr(transformers, name), (entry.id, name)


# --------------------------------------------------------------------------- table shape / API


def test_table_size_and_uniqueness() -> None:
    table = entries()
    assert len(table) >= 30
    ids = [e.id for e in table]
    assert len(ids) == len(set(ids))
    every = all_ids()
    assert every == sorted(every)
    assert len({i.lower() for i in every}) == len(every)
    assert set(ids) <= set(every)
    assert len(every) == sum(1 + len(e.aliases) for e in table)


def test_config_dict_shape() -> None:
    entry = lookup("meta-llama/Llama-3.2-1B")
    assert entry is not None
    d = entry.config_dict()
    assert d["model_type"] == "llama"
    assert d["architectures"] == ["LlamaForCausalLM"]
    assert d["vocab_size"] == 128256
    assert d["tie_word_embeddings"] is True
    d["vocab_size"] = 1  # a copy: the entry is unaffected
    assert entry.config_dict()["vocab_size"] == 128256
    with pytest.raises(TypeError):
        entry.fields["vocab_size"] = 1  # type: ignore[index]
    assert hash(entry) == hash(lookup("meta-llama/Llama-3.2-1B-Instruct"))


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("openai-community/gpt2", "gpt2"),
        ("google-bert/bert-base-uncased", "bert-base-uncased"),
        ("FacebookAI/roberta-base", "roberta-base"),
        ("distilbert/distilbert-base-uncased", "distilbert-base-uncased"),
        ("google-t5/t5-small", "t5-small"),
        ("NousResearch/Llama-2-7b-chat-hf", "meta-llama/Llama-2-7b-hf"),
        ("meta-llama/Meta-Llama-3-8B-Instruct", "meta-llama/Meta-Llama-3-8B"),
        ("meta-llama/Meta-Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B"),
        ("unsloth/Llama-3.2-1B", "meta-llama/Llama-3.2-1B"),
        ("mistralai/Mistral-7B-Instruct-v0.2", "mistralai/Mistral-7B-v0.1"),
        ("mistralai/Mistral-7B-Instruct-v0.3", "mistralai/Mistral-7B-v0.3"),
        ("mistralai/Mixtral-8x7B-Instruct-v0.1", "mistralai/Mixtral-8x7B-v0.1"),
        ("Qwen/Qwen3-4B-Instruct-2507", "Qwen/Qwen3-4B"),
        ("google/gemma-2-9b-it", "google/gemma-2-9b"),
        ("TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T", "TinyLlama/TinyLlama-1.1B-Chat-v1.0"),
    ],
)
def test_lookup_alias(alias: str, canonical: str) -> None:
    entry = lookup(alias)
    assert entry is not None
    assert entry.id == canonical
    assert lookup(canonical) is entry


def test_lookup_case_insensitive_and_trailing_slash() -> None:
    entry = lookup("meta-llama/Llama-3.1-8B")
    assert entry is not None
    assert lookup("META-LLAMA/llama-3.1-8b") is entry
    assert lookup("meta-llama/Llama-3.1-8B/") is entry
    assert lookup("  qwen/qwen2.5-7b-instruct ") is lookup("Qwen/Qwen2.5-7B")


@pytest.mark.parametrize("model_id", ["", "/", "no-such/model", "meta-llama/Llama-9-1T", "gpt2-xxl"])
def test_lookup_unknown(model_id: str) -> None:
    assert lookup(model_id) is None


def test_known_facts() -> None:
    def fields(model_id: str) -> dict[str, Any]:
        entry = lookup(model_id)
        assert entry is not None
        return dict(entry.fields)

    assert fields("mistralai/Mistral-7B-v0.3")["vocab_size"] == 32768
    assert "vocab_size" not in fields("mistralai/Mistral-7B-v0.1")
    assert fields("codellama/CodeLlama-7b-hf")["vocab_size"] == 32016
    assert fields("Qwen/Qwen2.5-7B")["vocab_size"] == 152064
    assert fields("Qwen/Qwen2.5-0.5B")["tie_word_embeddings"] is True
    falcon = lookup("tiiuae/falcon-7b")
    assert falcon is not None
    assert falcon.model_type == "falcon"
    config = _make_config(falcon.config_dict())
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads) == (4544, 32, 71)
    assert (config.vocab_size, config.multi_query, config.parallel_attn) == (65024, True, True)
    assert (config.bias, config.new_decoder_architecture) == (False, False)


def test_import_does_not_pull_in_torch_or_transformers() -> None:
    code = (
        "import sys, lora_lint.models.catalogue as c; "
        "assert c.lookup('gpt2') is not None; "
        "print(int('torch' in sys.modules), int('transformers' in sys.modules))"
    )
    root = Path(catalogue.__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.split() == ["0", "0"]
