"""``lora-lint smoke CONFIG...``: prove a LoRA config really trains, in seconds, without weights.

Also used by ``lora-lint PATH --smoke``, which smoke-trains every config that lints without errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, TextIO

from lora_lint.smoke.runner import DEFAULT_STEPS, SmokeOptions, SmokeResult

if TYPE_CHECKING:
    from lora_lint.lint import LintResult, Settings

HELP = "smoke-train LoRA configs for a few steps (shrunk model, random weights) and check they really train"


def parse_size(text: str) -> int:
    """``24``, ``24GB``, ``512MB``: bytes (GB means GiB, as in ``suggest --vram``)."""
    from lora_lint.assist.memory import parse_vram

    try:
        return int(parse_vram(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: `{text}`") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: `{text}`")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: `{text}`") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive: `{text}`")
    return value


def add_training_arguments(parser: argparse.ArgumentParser) -> None:
    """The smoke-run options (shared with ``lora-lint PATH --smoke``)."""
    parser.add_argument(
        "--steps", type=_positive_int, default=DEFAULT_STEPS, help=f"training steps (default {DEFAULT_STEPS})"
    )
    parser.add_argument("--lr", type=_positive_float, help="learning rate (default: the config's, else 1e-3)")
    parser.add_argument(
        "--seq-len", type=_positive_int, help="tokens per row (default: the config's, else 32)"
    )
    parser.add_argument(
        "--batch-size", type=_positive_int, help="rows per batch (default: the config's, else 2)"
    )
    parser.add_argument(
        "--data", metavar="FILE.jsonl", help="train on this local file's text, not a synthetic batch"
    )
    parser.add_argument(
        "--full-size",
        action="store_true",
        help="the real-size architecture (random weights) instead of a 2-layer shrunk copy",
    )
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="default: auto")
    parser.add_argument(
        "--dtype", choices=("float32", "bfloat16", "float16"), default="float32", help="default: float32"
    )
    parser.add_argument(
        "--vram", type=parse_size, metavar="SIZE", help="GPU memory budget, e.g. 24GiB (GPU only)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for weights and the synthetic batch")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="CONFIG", help="LoRA config files or folders")
    parser.add_argument("--model", metavar="ID", help="base model, overriding the config's own")
    parser.add_argument(
        "--offline", action="store_true", help="never ask the Hugging Face hub (also HF_HUB_OFFLINE=1)"
    )
    parser.add_argument("--auto-class", metavar="NAME", help="transformers auto class to build")
    add_training_arguments(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")


def options_from(args: argparse.Namespace, progress_stream: TextIO | None = None) -> SmokeOptions:
    return SmokeOptions(
        steps=args.steps,
        lr=args.lr,
        seq_len=args.seq_len,
        batch_size=args.batch_size,
        data=args.data,
        full_size=args.full_size,
        device=args.device,
        dtype=args.dtype,
        vram_bytes=args.vram,
        seed=args.seed,
        model=getattr(args, "model", None),
        offline=bool(getattr(args, "offline", False)),
        auto_class=getattr(args, "auto_class", None),
        progress_stream=progress_stream or sys.stderr,
    )


def _unreadable(path: str, line: int, message: str) -> SmokeResult:
    from lora_lint.smoke.checks import Check

    result = SmokeResult(path, "", line)
    result.checks.append(Check("setup", False, message))
    return result


def smoke_paths(paths: list[str], options: SmokeOptions) -> list[SmokeResult]:
    from pathlib import Path

    from lora_lint.discover import discover
    from lora_lint.extract import extract
    from lora_lint.load import LoadError, load_path
    from lora_lint.smoke.runner import smoke_spec

    results: list[SmokeResult] = []
    for path in discover(paths):
        try:
            documents = load_path(path)
        except LoadError as exc:
            results.append(_unreadable(path, exc.span.line, f"cannot read the config: {exc.message}"))
            continue
        specs = [spec for doc in documents for spec in extract(doc)]
        if not specs and path in paths and not Path(path).is_dir():
            results.append(_unreadable(path, 1, "no LoRA config found in this file"))
        for spec in specs:
            results.append(smoke_spec(spec, path, options))
    return results


def run(args: argparse.Namespace, out: TextIO) -> int:
    from lora_lint.smoke.report import render_json, render_text

    results = smoke_paths(list(args.paths), options_from(args))
    out.write(render_json(results) if args.format == "json" else render_text(results))
    return 0 if results and all(r.ok for r in results) else 1


def smoke_after_lint(result: LintResult, settings: Settings, fmt: str, rendered: str) -> tuple[str, bool]:
    """Smoke-train each config that linted without errors; the output to print and whether any failed."""
    from lora_lint.diagnostics import Severity
    from lora_lint.smoke.report import clean, document, render_text
    from lora_lint.smoke.runner import smoke_spec

    options = SmokeOptions(
        model=settings.model,
        offline=settings.offline,
        auto_class=settings.auto_class,
        models=dict(settings.models),
        progress_stream=sys.stderr,
    )
    errors = [d for d in result.diagnostics if d.severity >= Severity.ERROR]
    by_file: dict[str, list[tuple[int, int]]] = {}
    for file in result.files:
        for config in file.configs:
            span = config.spec.document.span(config.spec.location)
            by_file.setdefault(file.path, []).append((span.line, span.end_line))
    results: list[SmokeResult] = []
    skipped = not_peft = 0
    for file in result.files:
        inside = by_file.get(file.path, [])
        for config in file.configs:
            span = config.spec.document.span(config.spec.location)
            blocked = False
            for diag in errors:
                if diag.path != file.path:
                    continue
                in_this = span.line <= diag.span.line <= span.end_line
                in_none = not any(lo <= diag.span.line <= hi for lo, hi in inside)
                if in_this or in_none:
                    blocked = True
                    break
            if blocked:
                skipped += 1
                continue
            if not config.spec.peft_applies:
                not_peft += 1
                continue
            results.append(smoke_spec(config.spec, file.path, options))
    failed = any(not r.ok for r in results)
    if fmt == "json":
        doc = json.loads(rendered)
        doc["smoke"] = clean(document(results))
        doc["smoke"]["skipped"] = skipped
        doc["smoke"]["not_peft"] = not_peft
        return json.dumps(doc, indent=2, allow_nan=False) + "\n", failed
    text = render_text(results)
    if skipped:
        text += f"smoke: {skipped} config{'s' if skipped != 1 else ''} with lint errors not smoke-trained\n"
    if not_peft:
        text += f"smoke: {not_peft} config{'s' if not_peft != 1 else ''} not trained through PEFT skipped\n"
    if fmt != "text":
        # Machine formats (github, sarif) stay parseable: the smoke report goes to stderr.
        sys.stderr.write(text)
        return rendered, failed
    return rendered + "\n" + text, failed
