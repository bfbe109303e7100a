"""The on-disk cache: keys, atomic writes, corrupt entries, concurrent writers, config.json files, CLI."""

from __future__ import annotations

import io
import json
import multiprocessing
from pathlib import Path

import pytest

from lora_lint.cli import main
from lora_lint.lint import Session, Settings
from lora_lint.models import cache, inventory, resolve
from lora_lint.models.inventory import BuildError, Inventory, ModuleRow, ParamRow

GPT2_TINY = {"model_type": "gpt2", "n_layer": 2, "n_embd": 64, "n_head": 4, "vocab_size": 128}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv("LORA_LINT_CACHE_DIR", str(root))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return root


def small_inventory(model_id: str = "tiny") -> Inventory:
    rows = [
        ModuleRow("model", "Model", False, is_leaf=False),
        ModuleRow("model.proj", "Linear", True, 4, 8, 40, True, kind="linear"),
        ModuleRow("model.conv", "Conv2d", True, 3, 6, 60, False, True, (3, 3), 3, "conv2d"),
    ]
    return Inventory(
        model_id=model_id,
        model_type="tiny",
        auto_class="AutoModel",
        model_class="Model",
        modules=rows,
        parameters=[ParamRow("model.experts", "gate_up_proj", (4, 8, 2), True)],
        param_names=["model.proj.weight", "model.proj.bias"],
        total_params=100,
        num_layers=None,
        output_embedding=None,
        input_embedding=None,
        bias_params={"model.proj.bias": 8},
        shared_params={"model.b.weight": ("model.a.weight", 12)},
        reprs={"model": "Model( ... )"},
    )


def test_cache_dir_sources(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert cache.cache_dir() == tmp_path / "cache"
    monkeypatch.delenv("LORA_LINT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "lora-lint"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache.cache_dir() == Path.home() / ".cache" / "lora-lint"


def test_inventory_round_trip() -> None:
    inv = small_inventory()
    assert cache.store_inventory("k1", inv)
    back = cache.load_inventory("k1")
    assert isinstance(back, Inventory)
    assert back.to_dict() == json.loads(json.dumps(inv.to_dict()))
    assert back.modules == inv.modules and back.parameters == inv.parameters
    assert back.row("model.conv") == inv.row("model.conv")


def test_build_error_round_trip() -> None:
    assert cache.store_inventory("k2", BuildError("unknown model_type `x`", remote_code=True))
    back = cache.load_inventory("k2")
    assert isinstance(back, BuildError) and back.remote_code and back.message == "unknown model_type `x`"
    assert cache.load_inventory("missing") is None


def test_keys_depend_on_config_task_auto_class_and_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    base = cache.inventory_key(GPT2_TINY, None, None)
    assert base == cache.inventory_key(dict(reversed(list(GPT2_TINY.items()))), None, None)
    assert base != cache.inventory_key({**GPT2_TINY, "n_layer": 3}, None, None)
    assert base != cache.inventory_key(GPT2_TINY, None, "SEQ_CLS")
    assert base != cache.inventory_key(GPT2_TINY, "AutoModel", None)
    versions = dict(cache.tools())
    monkeypatch.setattr(cache, "tools", lambda: {**versions, "transformers": "99.0"})
    assert base != cache.inventory_key(GPT2_TINY, None, None)


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # cut short
        lambda text: "",
        lambda text: "not json",
        lambda text: json.dumps({"format": cache.FORMAT, "key": "other", "inventory": {}}),
        lambda text: text.replace('"modules":[', '"modules":[[1],'),
    ],
)
def test_corrupt_entries_are_ignored_and_rebuilt(damage: object) -> None:
    assert cache.store_inventory("k3", small_inventory())
    path = cache.cache_dir() / cache.INVENTORIES / "k3.json"
    path.write_text(damage(path.read_text()))  # type: ignore[operator]
    assert cache.load_inventory("k3") is None
    assert cache.store_inventory("k3", small_inventory())
    assert isinstance(cache.load_inventory("k3"), Inventory)


def _writer(root: str, rounds: int) -> None:
    import os

    os.environ["LORA_LINT_CACHE_DIR"] = root
    for i in range(rounds):
        cache.store_inventory("shared", small_inventory(f"writer-{os.getpid()}-{i}"))


def test_concurrent_writers_never_leave_a_partial_entry() -> None:
    root = str(cache.cache_dir())
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(root, 40)) for _ in range(4)]
    for worker in workers:
        worker.start()
    seen = 0
    while any(w.is_alive() for w in workers):
        found = cache.load_inventory("shared")
        assert found is None or isinstance(found, Inventory)
        seen += found is not None
    for worker in workers:
        worker.join()
        assert worker.exitcode == 0
    assert isinstance(cache.load_inventory("shared"), Inventory)
    leftovers = list((cache.cache_dir() / cache.INVENTORIES).glob(".tmp-*"))
    assert leftovers == []


def test_unwritable_cache_is_not_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("LORA_LINT_CACHE_DIR", str(blocker / "sub"))
    assert not cache.store_inventory("k", small_inventory())
    assert cache.load_inventory("k") is None


def test_session_reads_the_inventory_back_without_building(monkeypatch: pytest.MonkeyPatch) -> None:
    resolved = resolve.ResolvedModel("tiny-gpt2", "local", GPT2_TINY)
    first = Session(Settings(offline=True)).build(resolved, None)
    assert first.has_model

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("built although cached")

    monkeypatch.setattr(inventory, "build", no_build)
    second = Session(Settings(offline=True)).build(
        resolve.ResolvedModel("other-id", "local", GPT2_TINY), None
    )
    assert not second.has_model
    assert second.inventory.model_id == "other-id"
    assert second.inventory.modules == first.inventory.modules
    assert second.inventory.to_dict() | {"model_id": ""} == first.inventory.to_dict() | {"model_id": ""}
    # The meta model is built on demand (for the PEFT-backed predictor) from the same config.
    assert type(second.model).__name__ == first.inventory.model_class


def test_build_errors_are_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = resolve.ResolvedModel("bad", "local", {"model_type": "no-such-type"})
    with pytest.raises(BuildError) as first:
        Session(Settings(offline=True)).build(bad, None)
    monkeypatch.setattr(inventory, "build", lambda *a, **k: (_ for _ in ()).throw(AssertionError("rebuilt")))
    with pytest.raises(BuildError) as second:
        Session(Settings(offline=True)).build(bad, None)
    assert second.value.message == first.value.message


def test_no_cache_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    resolved = resolve.ResolvedModel("tiny-gpt2", "local", GPT2_TINY)
    Session(Settings(offline=True, disk_cache=False)).build(resolved, None)
    assert not cache.cache_dir().exists()


def test_catalogue_and_hub_configs_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    first = resolve.resolve("gpt2", offline=True, disk_cache=True)
    assert first.source == "catalogue"
    monkeypatch.setattr(resolve.catalogue, "lookup", lambda model_id: None)
    second = resolve.resolve("gpt2", offline=True, disk_cache=True)
    assert (second.source, second.config) == (first.source, first.config)
    assert not resolve.resolve("gpt2", offline=True, disk_cache=False).ok
    # A config.json fetched from the hub is kept the same way.
    cache.store_config("org/model", None, "hub", {"model_type": "llama"}, "/somewhere/config.json")
    kept = resolve.resolve("org/model", offline=True, disk_cache=True)
    assert (kept.source, kept.config, kept.location) == (
        "hub",
        {"model_type": "llama"},
        "/somewhere/config.json",
    )


def test_lint_cold_and_warm_agree_and_warm_is_pure(tmp_path: Path) -> None:
    config = tmp_path / "adapter_config.json"
    config.write_text(
        json.dumps(
            {
                "peft_type": "LORA",
                "base_model_name_or_path": "gpt2",
                "r": 8,
                "target_modules": ["c_attn"],
                "task_type": "CAUSAL_LM",
            }
        )
    )
    outputs = []
    for extra in ([], [], ["--exact"], ["--no-cache", "--exact"]):
        out = io.StringIO()
        assert main(["--offline", "--format", "json", *extra, str(config)], out=out) in (0, 1)
        outputs.append(json.loads(out.getvalue())["files"][0]["configs"][0])
    engines = [o.pop("engine") for o in outputs]
    assert engines == ["pure", "pure", "peft", "peft"]
    assert all(o == outputs[0] for o in outputs)


def test_cache_command_info_and_clear() -> None:
    cache.store_inventory("a", small_inventory())
    cache.store_config("org/model", None, "hub", {"model_type": "llama"}, None)
    out = io.StringIO()
    assert main(["cache", "info", "--format", "json"], out=out) == 0
    found = json.loads(out.getvalue())
    assert found["inventories"]["entries"] == 1 and found["configs"]["entries"] == 1
    assert found["path"] == str(cache.cache_dir())
    out = io.StringIO()
    assert main(["cache", "info"], out=out) == 0
    assert "inventories: 1 entries" in out.getvalue()
    out = io.StringIO()
    assert main(["cache", "clear"], out=out) == 0
    assert "removed 2 entries" in out.getvalue()
    assert cache.info()["bytes"] == 0
    assert main(["cache", "bogus"], out=io.StringIO(), err=io.StringIO()) == 2


def test_peft_backed_predictions_are_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from lora_lint.predict import peft_backed
    from lora_lint.predict.base import Failure, Prediction, Wrapped

    made = Prediction(
        "peft", [Wrapped("a.b", None, 4, 8.0, 96), Wrapped("e", "w", 2, 4.0, 10)], {"s": 5}, 111, 999
    )
    made.warnings = ["careful"]
    assert cache.store_prediction("p1", made)
    assert cache.load_prediction("p1") == made
    failed = Prediction("peft", failure=Failure("no-match", "nothing", "NoMatchingPeftModuleError"))
    assert cache.store_prediction("p2", failed)
    assert cache.load_prediction("p2") == failed

    config = tmp_path / "adapter_config.json"
    # ensure_weight_tying is left to PEFT by the pure matcher
    config.write_text(
        json.dumps(
            {
                "peft_type": "LORA",
                "base_model_name_or_path": "gpt2",
                "r": 4,
                "target_modules": ["c_attn"],
                "ensure_weight_tying": True,
            }
        )
    )
    first = io.StringIO()
    main(["--offline", "--format", "json", str(config)], out=first)
    assert len(list((cache.cache_dir() / cache.PREDICTIONS).glob("*.json"))) == 3  # p1, p2 and this one

    def no_peft(*args: object, **kwargs: object) -> None:
        raise AssertionError("PEFT asked although cached")

    monkeypatch.setattr(peft_backed, "predict", no_peft)
    second = io.StringIO()
    main(["--offline", "--format", "json", str(config)], out=second)
    assert json.loads(second.getvalue())["files"] == json.loads(first.getvalue())["files"]
    assert json.loads(second.getvalue())["files"][0]["configs"][0]["engine"] == "peft"


def test_serialised_row_fields_follow_module_row() -> None:
    import dataclasses

    assert tuple(f.name for f in dataclasses.fields(ModuleRow)) == inventory._ROW_FIELDS
    assert inventory._ROW_FIELDS[inventory._KERNEL] == "kernel"
