"""A warm run imports neither torch, transformers nor peft (``python -X importtime`` in a subprocess)."""

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
    assert not _imported(warm.stderr) & set(HEAVY)
    assert json.loads(warm.stdout)["files"] == json.loads(cold.stdout)["files"]
    result = json.loads(warm.stdout)["files"][0]["configs"][0]
    assert result["engine"] == "pure" and result["trainable_params"] == 811_008
