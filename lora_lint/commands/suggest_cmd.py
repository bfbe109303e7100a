"""``lora-lint suggest MODEL``: target lists per strategy, PEFT's counts, memory, a config snippet."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

HELP = "suggest LoRA target modules for a model: per strategy, PEFT's counts, memory and a config"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from lora_lint.assist.snippets import FRAMEWORKS
    from lora_lint.assist.suggest import STRATEGIES, TASKS
    from lora_lint.cli import add_model_arguments

    parser.add_argument("model", metavar="MODEL", help="catalogue id, hub id, local folder or config.json")
    parser.add_argument(
        "--strategy", choices=STRATEGIES, help="strategy for the snippet (default: recommended)"
    )
    parser.add_argument("--r", type=int, default=8, help="LoRA rank (default 8)")
    parser.add_argument("--alpha", type=float, default=16, help="lora_alpha (default 16)")
    parser.add_argument("--dropout", type=float, default=0.05, help="lora_dropout (default 0.05)")
    parser.add_argument(
        "--task", choices=sorted(TASKS), help="what the adapter is for (the guide's task relevance)"
    )
    parser.add_argument("--vram", metavar="SIZE", help="GPU memory, e.g. 8GB (the guide's 4/8/16 GB tiers)")
    parser.add_argument("--framework", choices=FRAMEWORKS, default="peft", help="config snippet format")
    parser.add_argument(
        "--dtype", choices=("bfloat16", "float16", "float32"), default="bfloat16", help="base weights dtype"
    )
    parser.add_argument(
        "--quantize", choices=("none", "8bit", "4bit"), default="none", help="bitsandbytes base weights"
    )
    parser.add_argument("--seq-len", type=int, default=512, help="training sequence length (default 512)")
    parser.add_argument("--batch-size", type=int, default=1, help="micro-batch size (default 1)")
    parser.add_argument(
        "--gradient-checkpointing", action="store_true", help="estimate activations with checkpointing"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    add_model_arguments(parser)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from lora_lint.assist import memory, render
    from lora_lint.assist.loading import load_for_command
    from lora_lint.assist.suggest import Options, suggest

    prog = "lora-lint suggest"
    if args.r < 1 or args.seq_len < 1 or args.batch_size < 1:
        raise SystemExit(f"{prog}: --r, --seq-len and --batch-size must be positive")
    if not 0 <= args.dropout < 1:
        raise SystemExit(f"{prog}: --dropout must be in [0, 1)")
    try:
        vram = memory.parse_vram(args.vram) if args.vram else None
    except ValueError as exc:
        raise SystemExit(f"{prog}: {exc}") from None
    settings = memory.Settings(
        dtype=args.dtype,
        quantize=None if args.quantize == "none" else args.quantize,
        seq_len=args.seq_len,
        batch_size=args.batch_size,
        gradient_checkpointing=args.gradient_checkpointing,
    )
    options = Options(
        r=args.r, alpha=args.alpha, dropout=args.dropout, task=args.task, vram=vram, memory=settings
    )
    loaded = load_for_command(args, prog)
    suggestion = suggest(loaded, options)
    chosen = args.strategy or suggestion.recommended or "all-linear"
    if args.format == "json":
        out.write(json.dumps(render.as_json(suggestion, chosen, args.framework), indent=2) + "\n")
    else:
        out.write(render.text(suggestion, chosen, args.framework))
    return 0
