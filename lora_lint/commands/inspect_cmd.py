"""``lora-lint inspect MODEL``: wrappable layers by role, name patterns, classification, totals."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

HELP = "show a model's wrappable layers by role, its name patterns and which are ambiguous"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from lora_lint.cli import add_model_arguments

    parser.add_argument("model", metavar="MODEL", help="catalogue id, hub id, local folder or config.json")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    add_model_arguments(parser)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from lora_lint.assist import inspect
    from lora_lint.assist.loading import load_for_command

    loaded = load_for_command(args, "lora-lint inspect")
    view = inspect.overview(loaded)
    if args.format == "json":
        out.write(json.dumps(inspect.as_json(view), indent=2) + "\n")
    else:
        out.write(inspect.text(view))
    return 0
