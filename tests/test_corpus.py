"""Lint every file of the shared corpus of real configs (../shared/corpus), offline, in one run.

No internal error (exit code 2) and no traceback; every config found is reported with its
framework and base model; where the base model is in the bundled catalogue, the wrapped modules
and parameter counts are filled in. Skipped when the corpus is absent.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from lora_lint.cli import main
from lora_lint.models import catalogue

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
FRAMEWORKS = {
    "peft",
    "axolotl",
    "llama-factory",
    "trl",
    "torchtune",
    "mlx-lm",
    "litgpt",
    "ms-swift",
    "ludwig",
}
# MANIFEST.tsv's framework column -> the JSON `framework` value.
MANIFEST_FRAMEWORK = {"alignment-handbook": "trl", "llamafactory": "llama-factory"}

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, dict[str, Any]]:
    import os

    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("corpus"))  # no project settings file applies
    old = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        code = main([str(CORPUS), "--offline", "--format", "json"], out=out, err=err)
    finally:
        os.chdir(cwd)
        if old is None:
            del os.environ["HF_HUB_OFFLINE"]
        else:
            os.environ["HF_HUB_OFFLINE"] = old
    return code, err.getvalue(), json.loads(out.getvalue())


def _configs(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f["path"], c) for f in report["files"] for c in f["configs"]]


def _diagnostics(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    by_path: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for diag in report["diagnostics"]:
        by_path[diag["path"]].append(diag)
    return by_path


def test_no_internal_error(run: tuple[int, str, dict[str, Any]]) -> None:
    code, err, _ = run
    assert code in (0, 1)
    assert "Traceback" not in err and "internal error" not in err, err


def test_every_config_has_framework_and_base_model(run: tuple[int, str, dict[str, Any]]) -> None:
    _, _, report = run
    diags = _diagnostics(report)
    configs = _configs(report)
    assert len(configs) > 300
    for path, config in configs:
        assert config["framework"] in FRAMEWORKS, (path, config)
        if config["base_model"]:
            continue
        # The file names none (PEFT's benchmark adapters keep it elsewhere), or it is not LoRA.
        said = [d["message"] for d in diags[path] if d["code"] in {"LL009", "LL011"}]
        assert any("no base model named" in m or "not LoRA" in m for m in said), path


def test_catalogue_models_have_modules_and_counts(run: tuple[int, str, dict[str, Any]]) -> None:
    _, _, report = run
    filled = 0
    for path, config in _configs(report):
        if config["base_model"] and catalogue.lookup(config["base_model"]) is not None:
            assert config["model_source"] == "catalogue", (path, config)
            assert config["modules"], (path, config)
            assert config["trainable_params"] and config["total_params"], (path, config)
            filled += 1
    assert filled >= 100


def test_manifest_files_are_found_with_their_framework(run: tuple[int, str, dict[str, Any]]) -> None:
    _, _, report = run
    found: dict[str, set[str]] = defaultdict(set)
    for path, config in _configs(report):
        found[str(Path(path).relative_to(CORPUS))].add(config["framework"])
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    for row in rows:
        local = row["local_file"]
        text = (CORPUS / local).read_text(encoding="utf-8")
        if local not in found:
            # Only configs that load an existing adapter (inference, export) define no new LoRA.
            assert "adapter_name_or_path" in text, local
            continue
        expected = MANIFEST_FRAMEWORK.get(row["framework"], row["framework"])
        assert found[local] == {expected}, (local, found[local])
