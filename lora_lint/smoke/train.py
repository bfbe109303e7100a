"""Build the model, apply the LoRA config with PEFT, and train a few steps on one fixed batch.

The same code runs on CPU and on a GPU: the device and dtype are parameters, nothing else
changes. Models are built directly on the target device with random initialisation (a shrunk or
full-size config), or loaded from a local folder's safetensors weights; never with remote code.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from lora_lint.smoke.data import Batch

DTYPES = ("float32", "bfloat16", "float16")
ADAPTER = "default"


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence transformers/PEFT warnings and prints while building and wrapping models."""
    loggers = [logging.getLogger(n) for n in ("transformers", "peft", "torch", "accelerate")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def torch_dtype(name: str) -> Any:
    import torch

    if name not in DTYPES:
        raise ValueError(f"unknown dtype `{name}` (expected one of {', '.join(DTYPES)})")
    return getattr(torch, name)


def pick_device(name: str) -> Any:
    """``auto`` is cuda when available, else cpu; asking for cuda without one is an error."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: no CUDA device is available")
    if name not in ("cpu", "cuda"):
        raise ValueError(f"unknown device `{name}` (expected auto, cpu or cuda)")
    return torch.device(name)


def weights_folder(location: str | None) -> Path | None:
    """The model folder when it holds safetensors weights next to its config.json."""
    if not location:
        return None
    folder = Path(location)
    if folder.is_file():
        folder = folder.parent
    return folder if any(folder.glob("*.safetensors")) else None


def config_object(config: dict[str, Any]) -> Any:
    from lora_lint.models.inventory import _config_object

    with quiet():
        return _config_object(config, trust_remote_code=False)


def build_model(
    config: dict[str, Any],
    auto_class: str,
    device: Any,
    dtype: Any,
    seed: int,
    weights: Path | None = None,
) -> Any:
    """A real model: random weights built on ``device``, or the local folder's safetensors."""
    import torch
    import transformers

    auto_cls = getattr(transformers, auto_class)
    torch.manual_seed(seed)
    with quiet():
        if weights is not None:
            model = auto_cls.from_pretrained(
                str(weights),
                dtype=dtype,
                local_files_only=True,
                trust_remote_code=False,
                use_safetensors=True,
            ).to(device)
        else:
            cfg = config_object(config)
            with torch.device(device):
                model = auto_cls.from_config(cfg, dtype=dtype, trust_remote_code=False)
    if getattr(model.config, "use_cache", None):
        model.config.use_cache = False
    if (
        getattr(model.config, "pad_token_id", None) is None
        and auto_class == "AutoModelForSequenceClassification"
    ):
        model.config.pad_token_id = 0
    if (
        auto_class == "AutoModelForSeq2SeqLM"
        and getattr(model.config, "decoder_start_token_id", None) is None
    ):
        # Needed to shift labels into decoder inputs; catalogue configs may leave it out.
        pad = getattr(model.config, "pad_token_id", None)
        model.config.decoder_start_token_id = pad if isinstance(pad, int) else 0
    return model


def apply_peft(model: Any, kwargs: dict[str, Any], task_type: str | None) -> Any:
    from peft import get_peft_model

    from lora_lint.predict.peft_backed import make_config

    with quiet():
        return get_peft_model(model, make_config(kwargs, task_type))


def first_output(output: Any) -> Any:
    """The tensor to compare between two models: logits, start logits or hidden states."""
    for name in ("logits", "start_logits", "last_hidden_state"):
        value = getattr(output, name, None)
        if value is not None:
            return value
    return output[0]


class _Target:
    """Fixed random regression target for heads without a loss (bare encoders)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.value: Any = None

    def loss(self, output: Any) -> Any:
        import torch

        hidden = first_output(output).float()
        if self.value is None or self.value.shape != hidden.shape:
            gen = torch.Generator().manual_seed(self.seed + 1)
            self.value = torch.randn(hidden.shape, generator=gen).to(hidden.device)
        return torch.nn.functional.mse_loss(hidden, self.value)


def _loss(output: Any, target: _Target) -> Any:
    loss = getattr(output, "loss", None)
    return loss.float() if loss is not None else target.loss(output)


def loss_of(model: Any, batch: Batch, target: _Target) -> Any:
    return _loss(model(**batch.all()), target)


def evaluate(model: Any, batch: Batch, target: _Target) -> tuple[float, Any]:
    """Loss and outputs in eval mode (no dropout), without gradients, from one forward pass."""
    import torch

    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            output = model(**batch.all())
            loss = float(_loss(output, target))
            out = first_output(output).detach().float().clone()
    finally:
        model.train(was_training)
    return loss, out


def outputs(model: Any, batch: Batch) -> Any:
    import torch

    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return first_output(model(**batch.inputs)).detach().float().clone()
    finally:
        model.train(was_training)


class Progress:
    """``smoke [#####.....] 10/20 loss 5.12`` on stderr, only when it is a terminal."""

    WIDTH = 24

    def __init__(self, total: int, label: str, stream: TextIO | None = None, enabled: bool | None = None):
        self.total = max(1, total)
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = enabled if enabled is not None else bool(getattr(self.stream, "isatty", bool)())

    def update(self, done: int, loss: float) -> None:
        if not self.enabled:
            return
        filled = self.WIDTH * done // self.total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{self.total} loss {loss:.4f}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


@dataclass
class TrainLog:
    losses: list[float] = field(default_factory=list)
    step_seconds: list[float] = field(default_factory=list)
    grad_max: dict[str, float] = field(default_factory=dict)  # largest |grad| seen, per trainable param

    @property
    def finite(self) -> bool:
        return all(math.isfinite(x) for x in self.losses)

    @property
    def step_time(self) -> float | None:
        """Mean seconds per step, the first (warm-up) step left out when there are others."""
        times = self.step_seconds[1:] or self.step_seconds
        return sum(times) / len(times) if times else None


def trainable(model: Any) -> list[tuple[str, Any]]:
    return [(n, p) for n, p in model.named_parameters() if p.requires_grad]


def train(
    model: Any, batch: Batch, steps: int, lr: float, target: _Target, progress: Progress | None = None
) -> TrainLog:
    """``steps`` AdamW steps on the fixed batch; records losses, times and gradient sizes."""
    import torch

    params = trainable(model)
    log = TrainLog()
    if not params:
        return log
    optimizer = torch.optim.AdamW([p for _, p in params], lr=lr, weight_decay=0.0)
    seen = {name: torch.zeros((), device=p.device) for name, p in params}
    sync = torch.cuda.synchronize if batch.inputs["input_ids"].is_cuda else (lambda: None)
    model.train()
    for step in range(steps):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_of(model, batch, target)
        loss.backward()
        for name, p in params:
            if p.grad is not None:
                seen[name] = torch.maximum(seen[name], p.grad.detach().abs().max().float())
        optimizer.step()
        value = float(loss.detach())
        sync()
        log.step_seconds.append(time.perf_counter() - start)
        log.losses.append(value)
        if progress is not None:
            progress.update(step + 1, value)
    if progress is not None:
        progress.close()
    optimizer.zero_grad(set_to_none=True)
    log.grad_max = {name: float(v) for name, v in seen.items()}
    return log
