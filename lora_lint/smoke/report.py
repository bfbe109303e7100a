"""Smoke results as text (one block per config) or JSON (checks, figures, versions)."""

from __future__ import annotations

import json
import math
from typing import Any

from lora_lint.report.versions import tools
from lora_lint.smoke.runner import SmokeResult

SCHEMA_VERSION = 1


def _device() -> dict[str, Any]:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return {"cuda": False}
    info: dict[str, Any] = {"cuda": torch.cuda.is_available(), "cuda_version": torch.version.cuda}
    if info["cuda"]:
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def _head(result: SmokeResult) -> str:
    where = f"{result.path}:{result.line}"
    if result.pointer:
        where += f" {result.pointer}"
    if result.model_id is None:
        return where
    arch = result.architecture
    text = f"{where}: {result.model_id} ({result.model_source}"
    if result.build == "shrunk" and arch:
        text += (
            f", shrunk to {arch.get('num_hidden_layers', '?')} layers, hidden {arch.get('hidden_size', '?')}, "
            f"{arch.get('num_attention_heads', '?')} heads"
        )
        if "num_key_value_heads" in arch:
            text += f" / {arch['num_key_value_heads']} kv"
        if "vocab_size" in arch:
            text += f", vocab {arch['vocab_size']}"
    elif result.build is not None:
        text += f", {result.build}"
    text += ")"
    if result.auto_class:
        text += f" {result.auto_class}"
    return text


def _settings_line(result: SmokeResult) -> str | None:
    s = result.settings
    if not s:
        return None
    return (
        f"  {s['steps']} steps on {s['device']} {s['dtype']}, lr {s['learning_rate']:g} ({s['learning_rate_from']}), "
        f"seq {s['seq_len']} ({s['seq_len_from']}), batch {s['batch_size']} ({s['batch_size_from']}), "
        f"data: {s['data']}"
    )


def render_text(results: list[SmokeResult]) -> str:
    lines: list[str] = []
    for result in results:
        lines.append(_head(result))
        settings = _settings_line(result)
        if settings:
            lines.append(settings)
        for note in result.notes:
            lines.append(f"  note: {note}")
        for check in result.checks:
            lines.append(f"  {'PASS' if check.ok else 'FAIL'} {check.name:<16} {check.summary}")
        f = result.figures
        timing = []
        if f.get("step_seconds") is not None:
            timing.append(f"{f['step_seconds']:.4f} s/step")
        if f.get("peak_memory_bytes") is not None:
            timing.append(f"peak {f['peak_memory_bytes'] / 1024**3:.2f} GiB")
        if f.get("total_seconds") is not None:
            timing.append(f"{f['total_seconds']:.1f} s in all")
        if timing:
            lines.append("  " + ", ".join(timing))
        lines.append("")
    passed = sum(r.ok for r in results)
    failed = len(results) - passed
    lines.append(
        f"smoke: {passed} config{'s' if passed != 1 else ''} passed, {failed} failed"
        if results
        else "smoke: no LoRA config found"
    )
    return "\n".join(lines) + "\n"


def document(results: list[SmokeResult]) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "tools": tools(),
        "device": _device(),
        "ok": bool(results) and all(r.ok for r in results),
        "results": [r.as_json() for r in results],
    }


def clean(value: Any) -> Any:
    """JSON-safe: infinities and NaN become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def render_json(results: list[SmokeResult]) -> str:
    return json.dumps(clean(document(results)), indent=2, default=str, allow_nan=False) + "\n"
