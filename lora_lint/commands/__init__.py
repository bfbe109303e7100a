"""Subcommands other than the default ``lint``: a name -> module table.

A command module has ``HELP`` (one line), ``add_arguments(parser)`` and ``run(args, out) -> int``.
"""

from __future__ import annotations

from types import ModuleType

from lora_lint.commands import rules_cmd, smoke_cmd

COMMANDS: dict[str, ModuleType] = {
    "rules": rules_cmd,
    "rule": rules_cmd,
    "smoke": smoke_cmd,
}
