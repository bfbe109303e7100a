"""One smoke run per LoRA config: resolve, shrink, predict, build, train, check."""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from lora_lint.extract.spec import LoraSpec
from lora_lint.models.inventory import BuildError
from lora_lint.smoke import checks as C
from lora_lint.smoke.checks import Check
from lora_lint.smoke.data import DataError, UnsupportedModel, make_batch, read_jsonl, token_indices
from lora_lint.smoke.settings import from_document
from lora_lint.smoke.shrink import LAYERS, min_layers_for, shrink

DEFAULT_STEPS = 20
DEFAULT_LR = 1e-3
DEFAULT_SEQ_LEN = 32
DEFAULT_BATCH = 2
# A shrunk model is for proving the config trains, not for measuring: a config's long
# sequences and big batches are capped (an explicit --seq-len / --batch-size is not).
SHRUNK_MAX_SEQ_LEN = 128
SHRUNK_MAX_BATCH = 4
CHECK_ORDER = ("setup", "loss", "gradients", "frozen", "trainable-count", "save-load", "merge", "memory")


class SetupFailure(Exception):
    """The smoke run could not start; reported as a failing ``setup`` check."""


@dataclass
class SmokeOptions:
    steps: int = DEFAULT_STEPS
    lr: float | None = None
    seq_len: int | None = None
    batch_size: int | None = None
    data: str | None = None
    full_size: bool = False
    device: str = "auto"
    dtype: str = "float32"
    vram_bytes: int | None = None
    seed: int = 0
    model: str | None = None
    offline: bool = False
    auto_class: str | None = None
    models: dict[str, str] = field(default_factory=dict)  # model id -> local folder (project config)
    progress: bool | None = None  # None: only when the stream is a terminal
    progress_stream: TextIO | None = None


@dataclass
class SmokeResult:
    path: str
    pointer: str
    line: int
    model_id: str | None = None
    model_source: str | None = None
    build: str | None = None  # shrunk, full-size or weights
    auto_class: str | None = None
    architecture: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "pointer": self.pointer,
            "line": self.line,
            "base_model": self.model_id,
            "model_source": self.model_source,
            "build": self.build,
            "auto_class": self.auto_class,
            "architecture": self.architecture,
            "settings": self.settings,
            "ok": self.ok,
            "checks": [c.as_json() for c in self.checks],
            "figures": self.figures,
            "notes": self.notes,
        }


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:400]


def _guard(name: str, fn: Callable[[], Check]) -> Check:
    try:
        return fn()
    except Exception as exc:
        return Check(name, False, f"raised {type(exc).__name__}: {_first_line(exc)}")


def _architecture(cfg: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in (
        "num_hidden_layers",
        "hidden_size",
        "num_attention_heads",
        "num_key_value_heads",
        "vocab_size",
    ):
        value = getattr(cfg, name, None)
        if isinstance(value, int) and not isinstance(value, bool):
            out[name] = value
    return out


def _max_positions(built: Any) -> int | None:
    """Longest sequence a learned position table allows (2 kept for padding offsets), if any."""
    sizes = [
        row.in_features
        for row in built.inventory.modules
        if row.cls.endswith("Embedding")
        and row.in_features
        and ("pos" in row.name.rsplit(".", 1)[-1].lower() or row.name.endswith("wpe"))
    ]
    return min(sizes) - 2 if sizes else None


def _setting(given: float | None, found: Any, default: float, cap: float | None) -> tuple[float, str]:
    if given is not None:
        return given, "command line"
    if found is not None:
        if cap is not None and found.value > cap:
            return cap, f"{found.pointer} = {found.value:g}, capped for the shrunk model"
        return found.value, found.pointer
    return default, "default"


def _predict(cfg: dict[str, Any], model_id: str, spec: LoraSpec, auto_class: str | None) -> tuple[Any, Any]:
    from lora_lint.models.inventory import build
    from lora_lint.predict.peft_backed import predict

    built = build(cfg, model_id, task_type=spec.task_type, auto_class=auto_class)
    return built, predict(built, spec.kwargs(), spec.task_type)


def smoke_spec(spec: LoraSpec, path: str, options: SmokeOptions) -> SmokeResult:
    result = SmokeResult(path, spec.pointer, spec.document.span(spec.location).line)
    started = time.perf_counter()
    threads = _threads()
    try:
        from lora_lint.smoke.train import quiet

        with quiet():
            _run(spec, options, result)
    except (SetupFailure, BuildError, DataError, UnsupportedModel, ValueError) as exc:
        result.checks.insert(0, Check("setup", False, getattr(exc, "message", None) or _first_line(exc)))
    except Exception as exc:
        result.checks.insert(0, Check("setup", False, f"{type(exc).__name__}: {_first_line(exc)}"))
    finally:
        _threads(threads)
        _release()
    result.figures["total_seconds"] = round(time.perf_counter() - started, 3)
    result.checks.sort(key=lambda c: CHECK_ORDER.index(c.name) if c.name in CHECK_ORDER else len(CHECK_ORDER))
    return result


def _threads(count: int | None = None) -> int:
    """Set torch's CPU thread count (when given); return the previous one."""
    import torch

    previous = torch.get_num_threads()
    if count is not None and count != previous:
        torch.set_num_threads(count)
    return previous


def _release() -> None:
    """Give GPU memory back between configs (CPU memory goes with the last reference)."""
    with contextlib.suppress(Exception):
        import torch

        if torch.cuda.is_available():
            import gc

            gc.collect()
            torch.cuda.empty_cache()


def _resolve(spec: LoraSpec, options: SmokeOptions, result: SmokeResult) -> tuple[dict[str, Any], str | None]:
    from lora_lint.models.resolve import resolve

    model_id = options.model or (spec.model.id if spec.model else None)
    if model_id is None:
        raise SetupFailure("no base model: the config names none (give --model)")
    result.model_id = model_id
    base_dir = os.path.dirname(os.path.abspath(spec.document.path))
    resolved = resolve(model_id, base_dir=base_dir, offline=options.offline, mapping=options.models)
    result.model_source = resolved.source
    if not resolved.ok or resolved.config is None:
        raise SetupFailure(f"cannot resolve `{model_id}`: {resolved.problem or 'no config.json'}")
    location = resolved.location if resolved.source in ("local", "mapping") else None
    return resolved.config, location


def _choose_config(
    spec: LoraSpec, config: dict[str, Any], options: SmokeOptions, weights: Path | None, result: SmokeResult
) -> tuple[dict[str, Any], Any, Any]:
    """The config to build (shrunk unless full size or weights), its meta build and static prediction."""
    model_id = result.model_id or ""
    if weights is not None or options.full_size:
        result.build = "weights" if weights is not None else "full-size"
        built, prediction = _predict(config, model_id, spec, options.auto_class)
        return config, built, prediction
    result.build = "shrunk"
    layers = max(LAYERS, min_layers_for(spec.kwargs()))
    shrunk = shrink(config, layers=layers).config
    built, prediction = _predict(shrunk, model_id, spec, options.auto_class)
    if not prediction.ok:
        full_built, full_prediction = _predict(config, model_id, spec, options.auto_class)
        if full_prediction.ok and full_built.inventory.num_layers:
            every = full_built.inventory.num_layers
            shrunk = shrink(config, layers=every).config
            built, prediction = _predict(shrunk, model_id, spec, options.auto_class)
            result.notes.append(
                f"kept all {every} layers: with {layers} the config matches nothing PEFT can wrap"
            )
    return shrunk, built, prediction


def _rows_and_tokenizer(options: SmokeOptions, weights: Path | None) -> tuple[Any, Any, str]:
    if options.data is None:
        return None, None, "synthetic"
    rows = read_jsonl(options.data)
    tokenizer = None
    if weights is not None and any(
        (weights / n).is_file() for n in ("tokenizer.json", "tokenizer_config.json")
    ):
        from transformers import AutoTokenizer

        from lora_lint.smoke.train import quiet

        with quiet():
            tokenizer = AutoTokenizer.from_pretrained(
                str(weights), local_files_only=True, trust_remote_code=False
            )
    how = "tokenizer" if tokenizer is not None else "UTF-8 bytes"
    return rows, tokenizer, f"{options.data} ({len(rows)} rows, {how})"


def memory_estimate(
    built: Any, prediction: Any, spec: LoraSpec, seq_len: int, batch_size: int, dtype: str
) -> int | None:
    """Bytes the suggest command's estimate (lora_lint.assist.memory) expects for this run."""
    try:
        from lora_lint.assist import memory

        settings = memory.Settings(dtype=dtype, seq_len=seq_len, batch_size=batch_size)
        dropout = spec.value("lora_dropout", 0.0)
        dropout = float(dropout) if isinstance(dropout, (int, float)) else 0.0
        found = memory.for_prediction(built, prediction, settings, lora_dropout=dropout)
    except Exception:
        return None
    return int(found.total) if found.total > 0 else None


def _run(spec: LoraSpec, options: SmokeOptions, result: SmokeResult) -> None:
    import torch

    from lora_lint.smoke import train as T

    if not spec.peft_applies:
        raise SetupFailure(f"{spec.framework} does not train through PEFT; nothing to smoke-train")
    if options.steps < 1:
        raise SetupFailure("--steps must be at least 1")
    device = T.pick_device(options.device)
    dtype = T.torch_dtype(options.dtype)
    config, location = _resolve(spec, options, result)
    weights = T.weights_folder(location)
    cfg, built, prediction = _choose_config(spec, config, options, weights, result)
    if built.inventory.assumed:
        unset = ", ".join(f"`{c.where}`" for c in built.inventory.assumed)
        raise SetupFailure(
            f"transformers cannot build the model from its config as written ({built.inventory.build_problem}), "
            f"so training cannot load it either; set {unset} in config.json (LL014)"
        )
    if prediction.failure is not None:
        raise SetupFailure(f"PEFT would raise on this model: {prediction.failure.message}")
    cfg_obj = T.config_object(cfg)
    from lora_lint.models.inventory import choose_auto_class

    auto_class = choose_auto_class(cfg_obj, cfg, spec.task_type, options.auto_class)
    result.auto_class = auto_class
    result.architecture = _architecture(cfg_obj)

    found = from_document(spec.document, spec.location)
    shrunk = result.build == "shrunk"
    lr, lr_from = _setting(options.lr, found.learning_rate, DEFAULT_LR, None)
    seq, seq_from = _setting(
        options.seq_len, found.seq_len, DEFAULT_SEQ_LEN, SHRUNK_MAX_SEQ_LEN if shrunk else None
    )
    bs, bs_from = _setting(
        options.batch_size, found.batch_size, DEFAULT_BATCH, SHRUNK_MAX_BATCH if shrunk else None
    )
    seq_len, batch_size = max(2, int(seq)), max(1, int(bs))
    limit = _max_positions(built)
    if limit is not None and seq_len > limit:
        seq_len, seq_from = limit, f"{seq_from}; the model has {limit} positions"
    rows, tokenizer, source = _rows_and_tokenizer(options, weights)
    result.settings = {
        "steps": options.steps,
        "learning_rate": lr,
        "learning_rate_from": lr_from,
        "seq_len": seq_len,
        "seq_len_from": seq_from,
        "batch_size": batch_size,
        "batch_size_from": bs_from,
        "device": str(device),
        "dtype": options.dtype,
        "data": source,
        "seed": options.seed,
        "weights": str(weights) if weights is not None else None,
    }

    cuda = device.type == "cuda"
    if device.type == "cpu" and shrunk:
        # A shrunk model's matrices are tiny: one thread is ~10x faster than several that spin
        # waiting on each other (measured on a loaded 2-core machine).
        _threads(1)
    build_start = time.perf_counter()
    model = T.build_model(cfg, auto_class, device, dtype, options.seed, weights)
    peft_model = T.apply_peft(model, spec.kwargs(), spec.task_type)
    result.figures["build_seconds"] = round(time.perf_counter() - build_start, 3)
    trainable, total = (int(x) for x in peft_model.get_nb_trainable_parameters())
    result.figures.update(trainable_params=trainable, total_params=total)
    result.checks.append(_guard("trainable-count", lambda: C.count_check(trainable, total, prediction)))

    batch = make_batch(
        auto_class,
        peft_model.config,
        seq_len,
        batch_size,
        options.seed,
        device,
        rows,
        tokenizer,
        source,
        must_include=token_indices(spec.kwargs()),
    )
    target = T._Target(options.seed)
    frozen = C.snapshot(peft_model)
    before, _ = T.evaluate(peft_model, batch, target)
    progress = T.Progress(options.steps, f"smoke {result.path}", options.progress_stream, options.progress)
    if cuda:
        # The peak of the training steps: weights, adapter, optimizer state, activations.
        torch.cuda.reset_peak_memory_stats(device)
    log = T.train(peft_model, batch, options.steps, lr, target, progress)
    peak = int(torch.cuda.max_memory_allocated(device)) if cuda else None
    after, reference = T.evaluate(peft_model, batch, target)
    step_time = log.step_time
    result.figures["step_seconds"] = round(step_time, 5) if step_time is not None else None
    result.figures["losses"] = [round(x, 6) if math.isfinite(x) else None for x in log.losses]
    result.checks.append(_guard("loss", lambda: C.loss_check(before, after, log, batch.language_model)))
    adapter = C.adapter_params(peft_model)
    result.checks.append(_guard("gradients", lambda: C.gradient_check(log, adapter)))
    result.checks.append(_guard("frozen", lambda: C.frozen_check(frozen, peft_model)))
    frozen.clear()

    def fresh_base() -> Any:
        return T.build_model(cfg, auto_class, device, dtype, options.seed, weights)

    result.checks.append(
        _guard(
            "save-load",
            lambda: C.save_load_check(peft_model, batch, reference, fresh_base, device.type, options.dtype),
        )
    )
    result.checks.append(
        _guard("merge", lambda: C.merge_check(peft_model, batch, reference, options.dtype)[0])
    )
    if cuda and peak is not None:
        result.figures["peak_memory_bytes"] = peak
        estimate = memory_estimate(built, prediction, spec, seq_len, batch_size, options.dtype)
        result.checks.append(C.memory_check(peak, estimate, options.vram_bytes))
