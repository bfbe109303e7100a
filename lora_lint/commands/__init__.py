"""Subcommands other than the default ``lint``: a name -> module table.

A command module has ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args, out) -> int``.
"""

from __future__ import annotations

from types import ModuleType

from lora_lint.commands import cache_cmd, inspect_cmd, rules_cmd, smoke_cmd, suggest_cmd

COMMANDS: dict[str, ModuleType] = {
    "rules": rules_cmd,
    "rule": rules_cmd,
    "inspect": inspect_cmd,
    "suggest": suggest_cmd,
    "smoke": smoke_cmd,
    "cache": cache_cmd,
}
