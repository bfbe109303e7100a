"""Subcommands other than the default ``lint``: a name -> module table.

A command module has ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args, out) -> int``.
Modules are imported only when their command runs, so a plain lint pays for none of them.
"""

from __future__ import annotations

import importlib
from types import ModuleType

COMMANDS: dict[str, str] = {
    "rules": "rules_cmd",
    "rule": "rules_cmd",
    "inspect": "inspect_cmd",
    "suggest": "suggest_cmd",
    "smoke": "smoke_cmd",
    "cache": "cache_cmd",
}


def load(name: str) -> ModuleType:
    return importlib.import_module(f"lora_lint.commands.{COMMANDS[name]}")
