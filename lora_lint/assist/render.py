"""Text and JSON views of a Suggestion (``lora-lint suggest``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from lora_lint.assist import memory
from lora_lint.assist.snippets import snippet
from lora_lint.assist.suggest import STRATEGIES, Suggestion


def size(value: float) -> str:
    return memory.gb(value)


def _target_text(value: list[str] | str | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return f'"{value}"'
    return "[" + ", ".join(value) + "]"


def _settings_line(s: Suggestion) -> str:
    mem = s.options.memory
    weights = f"{mem.quantize} base weights" if mem.quantize else f"{mem.dtype} weights"
    extras = ", gradient checkpointing" if mem.gradient_checkpointing else ""
    return (
        f"r={s.options.r}, lora_alpha={s.options.alpha:g}, lora_dropout={s.options.dropout:g} · memory: "
        f"{weights}, seq {mem.seq_len} x batch {mem.batch_size}, AdamW{extras}"
    )


def text(s: Suggestion, chosen: str, framework: str) -> str:
    inv = s.inventory
    out = [
        f"{inv.model_id} · {inv.model_class} ({inv.auto_class}) · {inv.total_params:,d} parameters",
        _settings_line(s),
        "",
    ]
    for name in STRATEGIES:
        result = s.strategies[name]
        mark = "*" if name == s.recommended else " "
        tag = "   (recommended)" if name == s.recommended else ""
        if not result.available or result.prediction is None:
            out.append(f"{mark} {name:<14} not available: {result.unavailable}")
            out.append("")
            continue
        pred = result.prediction
        est = f"~{size(result.estimate.total)}" if result.estimate is not None else ""
        out.append(
            f"{mark} {name:<14} {len(result.modules):>5} modules  {pred.trainable or 0:>13,d} trainable "
            f"({pred.percent:.2f}%)  {est}{tag}"
        )
        out.append(f"      target_modules: {_target_text(result.target_modules)}")
        if name == "all-linear" and result.spelling is not None:
            out.append(f"      explicitly:     {_target_text(result.spelling.value)}")
        out.extend(f"      note: {note}" for note in result.notes)
        out.append("")
    if s.recommended:
        out.append(f"recommended: {s.recommended}")
        out.extend(f"  - {reason}" for reason in s.reasons)
    out.extend(f"warning: {w}" for w in s.warnings)
    result = s.strategies[chosen]
    if result.estimate is not None:
        e = result.estimate
        out.append("")
        out.append(
            f"memory for {chosen} (estimate): weights {size(e.weights)} + LoRA {size(e.lora)} + gradients "
            f"{size(e.gradients)} + Adam {size(e.optimizer)} + activations {size(e.activations)} + logits "
            f"{size(e.logits)} = {size(e.total)}"
        )
    if result.available:
        out.append("")
        out.append(f"{framework} config for {chosen}:")
        out.extend(f"  {line}" if line else "" for line in snippet(framework, s, chosen).splitlines())
    return "\n".join(out) + "\n"


def as_json(s: Suggestion, chosen: str, framework: str) -> dict[str, Any]:
    inv = s.inventory
    result = s.strategies[chosen]
    return {
        "model": inv.model_id,
        "model_source": s.loaded.resolved.source,
        "model_class": inv.model_class,
        "auto_class": inv.auto_class,
        "task_type": s.loaded.task_type,
        "total_params": inv.total_params,
        "settings": {
            "r": s.options.r,
            "lora_alpha": s.options.alpha,
            "lora_dropout": s.options.dropout,
            "task": s.options.task,
            "vram_bytes": int(s.options.vram) if s.options.vram is not None else None,
            "framework": framework,
            **dataclasses.asdict(s.options.memory),
        },
        "strategies": [s.strategies[n].as_json(n == s.recommended) for n in STRATEGIES],
        "recommended": s.recommended,
        "reasons": s.reasons,
        "warnings": s.warnings,
        "chosen": chosen,
        "snippet": snippet(framework, s, chosen) if result.available else None,
    }
