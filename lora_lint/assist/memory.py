"""Training-memory estimate for a LoRA run: weights, adapters, gradients, Adam, activations, logits.

The formula (documented in the README, "The training-memory estimate"), in bytes, for batch size ``b`` and sequence length ``s``:

* base weights: every frozen parameter at the compute dtype (4 bytes for float32, 2 for
  bfloat16/float16); with ``--quantize 8bit`` the Linear weights of the blocks take 1 byte and with
  ``4bit`` 0.516 bytes (NF4 with double quantisation, 4.127 bits); embeddings, norms, biases and the
  output head stay at the compute dtype;
* LoRA weights, their gradients and Adam's two moments: 4 + 4 + 8 = 16 bytes per trainable parameter
  (PEFT keeps adapter weights in float32);
* activations kept for the backward pass, per block: ``s*b*(16h + 4f) * d/2`` bytes, with ``h`` the
  hidden size, ``f`` the MLP width (``8f`` for gated MLPs: gate, up, activation and product) and
  ``d`` the bytes of the compute dtype; attention scores are not stored (SDPA/flash attention).
  With gradient checkpointing only each block's input (``2*s*b*h * d/2``) is kept, plus one block's
  full activations during recomputation;
* LoRA's own activations: per wrapped module ``s*b*(in + r) * d`` bytes (the dropped-out input copy
  and ``x @ A``; without dropout only ``x @ A``);
* logits: ``b*s*V*(d + 8)`` bytes (the logits, their float32 copy for the loss, and its gradient).

The estimate leaves out the CUDA context and allocator fragmentation; ``fits`` keeps 10% of the
card free for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lora_lint.models.inventory import Built
from lora_lint.predict.base import Prediction

DTYPE_BYTES = {"float32": 4.0, "bfloat16": 2.0, "float16": 2.0}
QUANT_BYTES = {"8bit": 1.0, "4bit": 4.127 / 8}
HEADROOM = 0.10  # share of the card kept free for the CUDA context and fragmentation
GB = 1024**3
_BLOCK = re.compile(r"^(.*?\.\d+)\.")


@dataclass(frozen=True)
class Settings:
    dtype: str = "bfloat16"
    quantize: str | None = None  # None, "8bit" or "4bit"
    seq_len: int = 512
    batch_size: int = 1
    gradient_checkpointing: bool = False

    @property
    def compute_bytes(self) -> float:
        return 2.0 if self.quantize else DTYPE_BYTES[self.dtype]


@dataclass(frozen=True)
class Shape:
    """What the formula needs to know about a model, read from its meta-device build."""

    total_params: int
    quantizable_params: int  # Linear/Conv1D weights inside the blocks (not the head)
    hidden: int
    mlp_width: int
    gated: bool
    blocks: int
    vocab: int  # output head width; 0 when the model has no LM head


@dataclass(frozen=True)
class Estimate:
    weights: int
    lora: int
    gradients: int
    optimizer: int
    activations: int
    logits: int

    @property
    def total(self) -> int:
        return self.weights + self.lora + self.gradients + self.optimizer + self.activations + self.logits

    def fits(self, vram_bytes: float) -> bool:
        return self.total <= vram_bytes * (1 - HEADROOM)

    def as_json(self) -> dict[str, int]:
        return {
            "weights": self.weights,
            "lora": self.lora,
            "gradients": self.gradients,
            "optimizer": self.optimizer,
            "activations": self.activations,
            "logits": self.logits,
            "total": self.total,
        }


def _config_int(config: Any, *names: str) -> int | None:
    text = config.get_text_config() if hasattr(config, "get_text_config") else config
    for source in (text, config):
        for name in names:
            value = getattr(source, name, None)
            if isinstance(value, int) and value > 0:
                return value
    return None


def shape_of(built: Built) -> Shape:
    from torch import nn
    from transformers.pytorch_utils import Conv1D

    inv = built.inventory
    model = built.model
    head = inv.output_embedding
    quantizable = 0
    seen: set[int] = set()
    blocks: set[str] = set()
    hidden = mlp = 0
    gated = False
    for name, module in model.named_modules():
        if not isinstance(module, (nn.Linear, Conv1D)) or name == head:
            continue
        match = _BLOCK.match(name)
        if match is None:
            continue
        weight = module.weight
        if id(weight) not in seen:
            seen.add(id(weight))
            quantizable += weight.numel()
        role = inv.role(name)
        row = inv.row(name)
        if row is None or role.tower != "language":
            continue
        blocks.add(match.group(1))  # activations: language-model blocks only (image tokens vary)
        if role.kind in {"q", "qkv"} and not hidden:
            hidden = row.in_features or 0
        if role.group == "mlp" and not mlp:
            if role.kind == "up":
                mlp = row.out_features or 0
            elif role.kind in {"gate_up"}:
                mlp, gated = (row.out_features or 0) // 2, True
            elif role.kind == "down":
                mlp = row.in_features or 0
        gated = gated or role.kind == "gate"
    config = getattr(model, "config", None)
    if not hidden:
        hidden = _config_int(config, "hidden_size", "n_embd", "d_model", "dim") or 0
    if not mlp:
        experts = _config_int(config, "num_experts_per_tok")
        width = _config_int(config, "moe_intermediate_size")
        if experts and width:
            mlp, gated = experts * width, True
        else:
            mlp = _config_int(config, "intermediate_size", "ffn_dim", "n_inner", "d_ff") or 4 * hidden
    head_row = inv.row(head) if head else None
    vocab = head_row.out_features if head_row is not None and head_row.out_features else 0
    return Shape(inv.total_params, quantizable, hidden, mlp, gated, len(blocks), vocab)


def estimate(
    shape: Shape, prediction: Prediction, built: Built, settings: Settings, lora_dropout: float = 0.0
) -> Estimate:
    """Bytes for one training step of the predicted adapter (see the module docstring)."""
    trainable = prediction.trainable or 0
    frozen = shape.total_params  # the base model; LoRA weights and modules_to_save copies are extra
    d = settings.compute_bytes
    if settings.quantize:
        quantized = min(shape.quantizable_params, frozen)
        weights = quantized * QUANT_BYTES[settings.quantize] + (frozen - quantized) * d
    else:
        weights = frozen * d
    tokens = settings.seq_len * settings.batch_size
    per_block = tokens * (16 * shape.hidden + (8 if shape.gated else 4) * shape.mlp_width) * d / 2
    if settings.gradient_checkpointing:
        activations = shape.blocks * tokens * 2 * shape.hidden * d / 2 + per_block
    else:
        activations = shape.blocks * per_block
    dropout = lora_dropout > 0
    for item in prediction.wrapped:
        row = built.inventory.row(item.module)
        width = (row.in_features or 0) if row is not None and dropout else 0
        activations += tokens * (width + item.r) * d
    logits = tokens * shape.vocab * (d + 8)
    return Estimate(
        weights=int(weights),
        lora=4 * trainable,
        gradients=4 * trainable,
        optimizer=8 * trainable,
        activations=int(activations),
        logits=int(logits),
    )


def for_prediction(
    built: Built, prediction: Prediction, settings: Settings, lora_dropout: float = 0.0
) -> Estimate:
    """The estimate for any predicted adapter (e.g. a config being smoke-trained)."""
    return estimate(shape_of(built), prediction, built, settings, lora_dropout)


def parse_vram(text: str) -> float:
    """``8GB``, ``8``, ``16gib``, ``24 GB``, ``512MB`` -> bytes (GB means GiB, as cards are sold)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([gmt]i?b?)?\s*", text.lower())
    if match is None:
        raise ValueError(f"cannot read `{text}` as a memory size; write e.g. 8GB")
    value = float(match.group(1))
    unit = (match.group(2) or "g")[0]
    return value * {"m": 1024**2, "g": GB, "t": 1024**4}[unit]


def gb(value: float) -> str:
    """Bytes in GB (GiB) from 1 GB up, in MB below."""
    if value >= GB:
        return f"{value / GB:.2f} GB"
    return f"{value / 1024**2:.0f} MB"
