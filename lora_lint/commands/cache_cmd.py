"""``lora-lint cache info`` shows where the cache is and what it holds; ``lora-lint cache clear`` empties it."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from lora_lint.models import cache

HELP = (
    "show (info) or empty (clear) lora-lint's cache of model inventories, config.json files and predictions"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("info", "clear"), help="info: show the cache; clear: empty it")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def run(args: argparse.Namespace, out: TextIO) -> int:
    if args.action == "clear":
        removed = cache.clear()
        if args.format == "json":
            out.write(json.dumps({"path": str(cache.cache_dir()), "removed": removed}) + "\n")
        else:
            out.write(f"removed {removed} entr{'y' if removed == 1 else 'ies'} from {cache.cache_dir()}\n")
        return 0
    found = cache.info()
    if args.format == "json":
        out.write(json.dumps(found, indent=2) + "\n")
        return 0
    out.write(f"path: {found['path']}{'' if found['exists'] else ' (not created yet)'}\n")
    for kind in cache.KINDS:
        entry = found[kind]
        out.write(f"{kind}: {entry['entries']} entries, {_size(entry['bytes'])}\n")
    out.write(f"total: {_size(found['bytes'])}\n")
    return 0
