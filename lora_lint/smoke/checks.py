"""The smoke checks: each one passes or fails and carries the figures it was decided on."""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lora_lint.predict.base import Prediction
from lora_lint.smoke.data import Batch
from lora_lint.smoke.train import TrainLog, outputs, quiet

# Merged vs adapter logits: allowed max |difference|, relative to max(1, max |logit|).
MERGE_TOLERANCE = {"float32": 1e-4, "bfloat16": 5e-2, "float16": 1e-2}
# Adapter saved and loaded onto a fresh base: the adapter weights must be identical, and so must the
# outputs on CPU; on a GPU, where kernels need not be bitwise deterministic, the merge tolerance applies.
EXACT_SNAPSHOT_BYTES = 1024**3  # larger models get fingerprints (full-size 7B on a GPU)
FINGERPRINT_ENTRIES = 65536
GIB = 1024**3


@dataclass
class Check:
    name: str
    ok: bool
    summary: str
    figures: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "summary": self.summary, "figures": self.figures}


def _ppl(loss: float) -> float | None:
    if not math.isfinite(loss):
        return None
    return math.exp(loss) if loss < 700 else math.inf


def loss_check(before: float, after: float, log: TrainLog, language_model: bool) -> Check:
    """Every loss is finite and the eval loss after training is below the one before."""
    finite = log.finite and math.isfinite(before) and math.isfinite(after)
    falls = finite and after < before
    figures: dict[str, Any] = {
        "loss_before": before,
        "loss_after": after,
        "first_step_loss": log.losses[0] if log.losses else None,
        "last_step_loss": log.losses[-1] if log.losses else None,
        "steps": len(log.losses),
    }
    text = f"loss {before:.4f} -> {after:.4f}"
    if language_model:
        figures["perplexity_before"] = _ppl(before)
        figures["perplexity_after"] = _ppl(after)
        pb, pa = figures["perplexity_before"], figures["perplexity_after"]
        if pb is not None and pa is not None:
            text += f", perplexity {pb:.2f} -> {pa:.2f}"
    if not log.losses:
        return Check("loss", False, "no training step ran (nothing is trainable)", figures)
    if not finite:
        bad = next((i + 1 for i, x in enumerate(log.losses) if not math.isfinite(x)), None)
        where = f" at step {bad}" if bad else ""
        return Check("loss", False, f"loss is not finite{where}: {text}", figures)
    if not falls:
        return Check("loss", False, f"loss did not fall: {text}", figures)
    figures["relative_drop"] = (before - after) / before if before else None
    return Check("loss", True, text, figures)


def is_adapter_param(name: str) -> bool:
    return ".lora_" in name or "trainable_tokens_" in name


def adapter_params(model: Any) -> list[str]:
    """Every LoRA tensor in the model, trainable or not."""
    return [n for n, _ in model.named_parameters() if is_adapter_param(n)]


def gradient_check(log: TrainLog, adapter: list[str]) -> Check:
    """Every LoRA tensor was trainable and got a nonzero gradient; so did every other trainable one."""
    names = sorted(log.grad_max)
    frozen = sorted(set(adapter) - set(names))
    zero = [n for n in names if not log.grad_max[n] > 0]
    figures: dict[str, Any] = {
        "trainable_tensors": len(names),
        "lora_tensors": len(adapter),
        "frozen_lora": frozen,
        "zero_gradient": zero,
        "smallest_max_gradient": min(log.grad_max.values()) if names else None,
    }
    if not adapter:
        return Check("gradients", False, "the model has no LoRA tensors", figures)
    bad = frozen + zero
    if bad:
        shown = ", ".join(bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        parts = []
        if frozen:
            parts.append(f"{len(frozen)} of {len(adapter)} LoRA tensors are frozen")
        if zero:
            parts.append(f"{len(zero)} of {len(names)} trainable tensors never got a gradient")
        return Check("gradients", False, f"{'; '.join(parts)}: {shown}", figures)
    return Check("gradients", True, f"all {len(names)} trainable tensors got a nonzero gradient", figures)


def _fingerprint(data: Any) -> Any:
    """An exact copy of up to ~64k evenly spaced entries: any optimizer update moves them."""
    flat = data.reshape(-1)
    return flat[:: max(1, flat.numel() // FINGERPRINT_ENTRIES)].clone()


def snapshot(model: Any) -> dict[str, Any]:
    """Frozen parameters before training: exact copies, or fingerprints when they are large."""
    frozen = [(n, p) for n, p in model.named_parameters() if not p.requires_grad]
    size = sum(p.numel() * p.element_size() for _, p in frozen)
    exact = size <= EXACT_SNAPSHOT_BYTES
    return {name: p.detach().clone() if exact else _fingerprint(p.detach()) for name, p in frozen}


def frozen_check(before: dict[str, Any], model: Any) -> Check:
    """No parameter that was frozen before training changed."""
    import torch

    after = dict(model.named_parameters())
    changed: list[str] = []
    for name, old in before.items():
        p = after.get(name)
        if p is None:
            changed.append(name)
            continue
        data = p.detach()
        now = data if old.shape == data.shape else _fingerprint(data)
        if not torch.equal(old, now):
            changed.append(name)
    figures = {"frozen_tensors": len(before), "changed": changed}
    if changed:
        shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        return Check("frozen", False, f"{len(changed)} frozen base tensors changed: {shown}", figures)
    return Check("frozen", True, f"none of the {len(before)} frozen base tensors changed", figures)


def count_check(actual: int, total: int, prediction: Prediction | None) -> Check:
    """PEFT's trainable count on the real model equals the static prediction on the meta model."""
    figures: dict[str, Any] = {
        "trainable": actual,
        "total": total,
        "predicted": prediction.trainable if prediction is not None else None,
    }
    if prediction is None or not prediction.ok:
        reason = prediction.failure.message if prediction and prediction.failure else "no prediction"
        return Check(
            "trainable-count", False, f"{actual:,} trainable; static prediction failed: {reason}", figures
        )
    if prediction.trainable != actual:
        return Check(
            "trainable-count",
            False,
            f"{actual:,} trainable, but the static prediction is {prediction.trainable:,}",
            figures,
        )
    return Check("trainable-count", True, f"{actual:,} trainable of {total:,}, as predicted", figures)


def save_adapter(model: Any, folder: Path) -> None:
    model.save_pretrained(str(folder))


def load_adapter(base: Any, folder: Path) -> Any:
    """The saved adapter on a fresh copy of the base model, as a user would load it."""
    from peft import PeftModel

    with quiet():
        return PeftModel.from_pretrained(base, str(folder))


def _adapter_state(model: Any) -> dict[str, Any]:
    from peft import get_peft_model_state_dict

    return dict(get_peft_model_state_dict(model))


def _max_diff(a: Any, b: Any) -> float:
    if a.shape != b.shape:
        return math.inf
    return float((a.float() - b.float()).abs().max()) if a.numel() else 0.0


def save_load_check(
    model: Any,
    batch: Batch,
    reference: Any,
    fresh_base: Any,
    device_type: str = "cpu",
    dtype: str = "float32",
) -> Check:
    """Save the trained adapter, load it onto ``fresh_base()`` and compare weights and outputs."""
    tolerance = 0.0
    if device_type != "cpu" and reference.numel():
        tolerance = MERGE_TOLERANCE.get(dtype, 1e-4) * max(1.0, float(reference.abs().max()))
    saved = _adapter_state(model)
    with tempfile.TemporaryDirectory(prefix="lora-lint-smoke-") as tmp:
        folder = Path(tmp)
        save_adapter(model, folder)
        files = sorted(p.name for p in folder.iterdir())
        size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
        reloaded = load_adapter(fresh_base(), folder)
    loaded = _adapter_state(reloaded)
    missing = sorted(set(saved) - set(loaded))
    weight_diff = max((_max_diff(saved[k], loaded[k]) for k in saved if k in loaded), default=0.0)
    got = outputs(reloaded, batch)
    del reloaded
    out_diff = _max_diff(reference, got)
    figures = {
        "files": files,
        "bytes": size,
        "tensors": len(saved),
        "missing_after_load": missing,
        "max_weight_difference": weight_diff,
        "max_output_difference": out_diff,
        "tolerance": tolerance,
    }
    if missing or weight_diff > 0 or out_diff > tolerance:
        problems = []
        if out_diff > tolerance:
            problems.append(f"outputs differ by up to {out_diff:.3g}")
        if weight_diff > 0:
            problems.append(f"adapter weights differ by up to {weight_diff:.3g}")
        if missing:
            problems.append(f"{len(missing)} adapter tensors missing after loading ({missing[0]})")
        return Check("save-load", False, "reloaded adapter: " + "; ".join(problems), figures)
    same = "identical outputs" if out_diff == 0 else f"outputs within {out_diff:.3g}"
    return Check(
        "save-load", True, f"{len(saved)} tensors ({size:,} bytes) saved and reloaded: {same}", figures
    )


def tied_embedding_adapted(model: Any) -> bool:
    """LoRA sits on an input embedding whose weight the output head shares."""
    from peft.tuners.tuners_utils import BaseTunerLayer

    base = model.get_base_model()
    inputs = base.get_input_embeddings() if hasattr(base, "get_input_embeddings") else None
    tied = bool(getattr(base.config, "tie_word_embeddings", False))
    return tied and isinstance(inputs, BaseTunerLayer)


def merge_check(model: Any, batch: Batch, reference: Any, dtype: str) -> tuple[Check, Any]:
    """``merge_and_unload()`` gives the adapter model's outputs within the dtype's tolerance."""
    tied = tied_embedding_adapted(model)
    with quiet():
        merged = model.merge_and_unload()
    got = outputs(merged, batch)
    diff = _max_diff(reference, got)
    scale = max(1.0, float(reference.abs().max())) if reference.numel() else 1.0
    allowed = MERGE_TOLERANCE.get(dtype, 1e-4) * scale
    figures = {"max_difference": diff, "tolerance": allowed, "dtype": dtype}
    if not diff <= allowed:
        text = f"merged outputs differ by {diff:.3g} (allowed {allowed:.3g})"
        if tied:
            text += "; the adapted input embedding is tied to the output head, so merging changes both"
        return Check("merge", False, text, figures), merged
    return Check("merge", True, f"merged outputs within {diff:.3g} (allowed {allowed:.3g})", figures), merged


def memory_check(peak_bytes: int, estimate_bytes: int | None, vram_bytes: int | None) -> Check:
    """GPU peak memory next to the estimate, failing only when it exceeds ``--vram``."""
    figures: dict[str, Any] = {
        "peak_bytes": peak_bytes,
        "estimate_bytes": estimate_bytes,
        "vram_bytes": vram_bytes,
        "peak_over_estimate": peak_bytes / estimate_bytes if estimate_bytes else None,
    }
    text = f"peak {peak_bytes / GIB:.2f} GiB"
    if estimate_bytes:
        text += f", estimate {estimate_bytes / GIB:.2f} GiB ({peak_bytes / estimate_bytes:.2f}x)"
    else:
        text += ", no estimate"
    if vram_bytes is not None:
        if peak_bytes > vram_bytes:
            return Check("memory", False, f"{text}: over --vram {vram_bytes / GIB:.2f} GiB", figures)
        text += f", within --vram {vram_bytes / GIB:.2f} GiB"
    return Check("memory", True, text, figures)
