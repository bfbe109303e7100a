"""Repository code (``auto_map``) runs only with --trust-remote-code, only from a local model folder."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

from lora_lint.cli import main

CONFIGURATION = """
import os
from transformers import PretrainedConfig

open(os.environ["CANARY"], "w").write("ran")


class TinyConfig(PretrainedConfig):
    model_type = "tiny_custom"

    def __init__(self, hidden=32, layers=2, **kwargs):
        self.hidden = hidden
        self.layers = layers
        super().__init__(**kwargs)
"""

MODELING = """
import torch.nn as nn
from transformers import PreTrainedModel

from .configuration_tiny import TinyConfig


class Block(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.Wqkv = nn.Linear(hidden, 3 * hidden)
        self.out = nn.Linear(hidden, hidden)


class TinyModel(PreTrainedModel):
    config_class = TinyConfig

    def __init__(self, config):
        super().__init__(config)
        self.blocks = nn.ModuleList(Block(config.hidden) for _ in range(config.layers))
        self.post_init()
"""


def _repo(tmp_path: Path) -> Path:
    model = tmp_path / "custom"
    model.mkdir()
    (model / "config.json").write_text(
        json.dumps(
            {
                "model_type": "tiny_custom",
                "hidden": 32,
                "layers": 2,
                "auto_map": {
                    "AutoConfig": "configuration_tiny.TinyConfig",
                    "AutoModelForCausalLM": "modeling_tiny.TinyModel",
                },
            }
        )
    )
    (model / "configuration_tiny.py").write_text(CONFIGURATION)
    (model / "modeling_tiny.py").write_text(MODELING)
    config = tmp_path / "cfg.yaml"
    config.write_text(
        "base_model_name_or_path: ./custom\ntrust_remote_code: true\nr: 4\ntarget_modules: [Wqkv]\n"
    )
    return config


def _lint(config: Path, *flags: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main([str(config), "--offline", "--no-cache", *flags], out=out)
    return code, out.getvalue()


def test_no_code_runs_without_the_flag(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    os.environ["CANARY"] = str(canary)
    try:
        code, out = _lint(_repo(tmp_path))
    finally:
        del os.environ["CANARY"]
    assert code == 0 and "LL010" in out and "not predicted" in out
    assert not canary.exists()


def test_the_flag_builds_a_local_custom_model(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    os.environ["CANARY"] = str(canary)
    try:
        code, out = _lint(_repo(tmp_path), "--trust-remote-code")
    finally:
        del os.environ["CANARY"]
    assert code == 0 and "LL010" not in out
    assert "2 modules wrapped; trainable params: 1,024 || all params: 9,472" in out
    assert canary.exists()
