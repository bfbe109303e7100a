"""Several ``lora-lint`` processes sharing one cache at once (pre-commit runs files in parallel)
give the same report as one process, and leave a cache that is whole and still answers the same."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

cache = pytest.importorskip("lora_lint.models.cache")
pytestmark = pytest.mark.slow

PROCESSES = 3
CONFIGS = {
    "gpt2.yaml": "base_model_name_or_path: gpt2\nr: 8\ntarget_modules: [c_attn, q_proj]\n",
    "opt.json": json.dumps(
        {
            "base_model_name_or_path": "facebook/opt-125m",
            "peft_type": "LORA",
            "r": 4,
            "target_modules": ["q_proj", "v_proj"],
        }
    ),
    "smol.yaml": "base_model: HuggingFaceTB/SmolLM2-135M\nadapter: lora\nlora_r: 8\nlora_target_linear: true\n",
    "local.yaml": "base_model_name_or_path: ./tiny\nr: 8\ntarget_modules: [c_attn]\n",
    "dup.yaml": "base_model_name_or_path: gpt2\nr: 8\nr: 16\ntarget_modules: [c_attn]\n",
}


def _repo(root: Path) -> Path:
    root.mkdir()
    for name, text in CONFIGS.items():
        (root / name).write_text(text)
    (root / "tiny").mkdir()
    (root / "tiny" / "config.json").write_text(
        json.dumps({"model_type": "gpt2", "n_layer": 2, "n_embd": 64, "n_head": 4, "vocab_size": 100})
    )
    return root


def _start(repo: Path, cache_dir: Path, home: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "LORA_LINT_CACHE_DIR": str(cache_dir),
        "HF_HOME": str(home),
        "HF_HUB_OFFLINE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("GITHUB_ACTIONS", None)
    command = [sys.executable, "-m", "lora_lint", ".", "--offline", "--isolated", "--format", "json"]
    return subprocess.Popen(
        command, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _finish(process: subprocess.Popen[str]) -> dict[str, object]:
    out, err = process.communicate(timeout=900)
    assert process.returncode == 1, err  # dup.yaml has an LL012 error
    assert "Traceback" not in err and "internal error" not in err, err
    report: dict[str, object] = json.loads(out)
    return report


def _entries(cache_dir: Path) -> list[Path]:
    return sorted(p for p in cache_dir.rglob("*") if p.is_file())


def test_parallel_processes_share_one_cache(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    home = tmp_path / "hf-home"
    reference = _finish(_start(repo, tmp_path / "cache-alone", home))
    assert sum(len(f["configs"]) for f in reference["files"]) == 5  # type: ignore[index, union-attr]

    shared = tmp_path / "cache-shared"
    processes = [_start(repo, shared, home) for _ in range(PROCESSES)]
    reports = [_finish(p) for p in processes]
    assert all(report == reference for report in reports)

    entries = _entries(shared)
    assert entries, "the processes wrote no cache"
    assert not [p for p in entries if p.name.startswith(".tmp-")], "a temporary file was left behind"
    for path in entries:
        data = json.loads(path.read_text())  # whole, parseable entries only
        assert data["format"] == cache.FORMAT and data["key"] == path.stem
    assert [p.relative_to(shared) for p in entries] == [
        p.relative_to(tmp_path / "cache-alone") for p in _entries(tmp_path / "cache-alone")
    ]

    # A warm run from the shared cache answers the same; so does one after an entry is cut short.
    assert _finish(_start(repo, shared, home)) == reference
    victim = entries[0]
    victim.write_text(victim.read_text()[: len(victim.read_text()) // 2])
    assert _finish(_start(repo, shared, home)) == reference
    json.loads(victim.read_text())
