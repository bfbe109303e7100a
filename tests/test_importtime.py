"""A warm run imports neither torch, transformers nor peft (``python -X importtime`` in a subprocess).

Nor jsonschema, for a valid config: LL008 asks jsonschema only when its quick check finds an error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("torch", "transformers", "peft")


def _imported(stderr: str) -> set[str]:
    """Top-level package names from ``-X importtime`` lines (``import time: self | cumulative | name``)."""
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1].strip()
            names.add(name.split(".")[0])
    return names


def _run(config: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, LORA_LINT_CACHE_DIR=str(cache), HF_HUB_OFFLINE="1", PYTHONDONTWRITEBYTECODE="1")
    env.pop("XDG_CACHE_HOME", None)
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "lora_lint", "--offline", "--format", "json", str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )


def test_warm_run_imports_no_torch_transformers_or_peft(tmp_path: Path) -> None:
    config = tmp_path / "adapter_config.json"
    config.write_text(
        json.dumps(
            {
                "peft_type": "LORA",
                "base_model_name_or_path": "gpt2",
                "r": 8,
                "lora_alpha": 16,
                "target_modules": ["c_attn", "c_proj"],
                "task_type": "CAUSAL_LM",
            }
        )
    )
    cache = tmp_path / "cache"
    cold = _run(config, cache)
    assert cold.returncode in (0, 1), cold.stderr[-2000:]
    assert {"torch", "transformers"} <= _imported(cold.stderr)  # the first run builds the model
    warm = _run(config, cache)
    assert warm.returncode == cold.returncode, warm.stderr[-2000:]
    assert not _imported(warm.stderr) & {*HEAVY, "jsonschema"}
    assert json.loads(warm.stdout)["files"] == json.loads(cold.stdout)["files"]
    result = json.loads(warm.stdout)["files"][0]["configs"][0]
    assert result["engine"] == "pure" and result["trainable_params"] == 811_008


def test_jsonschema_is_imported_only_for_an_invalid_value(tmp_path: Path) -> None:
    # An unknown model: nothing is built, so each run is quick; LL008 still validates the values.
    fields = {"peft_type": "LORA", "base_model_name_or_path": "nobody/no-such-model", "lora_alpha": 16}
    good, bad = tmp_path / "good" / "adapter_config.json", tmp_path / "bad" / "adapter_config.json"
    for path, r in ((good, 8), (bad, 0)):
        path.parent.mkdir()
        path.write_text(json.dumps({**fields, "r": r, "target_modules": ["q_proj"]}))
    valid = _run(good, tmp_path / "cache")
    invalid = _run(bad, tmp_path / "cache")
    assert valid.returncode == 0, valid.stderr[-2000:]
    assert invalid.returncode == 1, invalid.stderr[-2000:]
    assert "jsonschema" not in _imported(valid.stderr)
    assert "jsonschema" in _imported(invalid.stderr)
    codes = [[d["code"] for d in json.loads(run.stdout)["diagnostics"]] for run in (valid, invalid)]
    assert "LL008" not in codes[0] and "LL008" in codes[1]
