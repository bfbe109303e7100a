"""Resolve and build the model an assistant command is about: one clear error line, never a traceback."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from lora_lint.models.completions import describe
from lora_lint.models.inventory import TASK_TO_AUTO, BuildError, Built, build
from lora_lint.models.resolve import ResolvedModel, resolve


class AssistError(Exception):
    """The model cannot be resolved or built; ``message`` is one line for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Loaded:
    resolved: ResolvedModel
    built: Built

    @property
    def model_id(self) -> str:
        return self.resolved.id

    @property
    def task_type(self) -> str | None:
        """The PEFT task type whose auto class is the one the model was built with, if any."""
        auto = self.built.inventory.auto_class
        return next((task for task, cls in TASK_TO_AUTO.items() if cls == auto), None)


def load(
    model_id: str,
    *,
    offline: bool = False,
    auto_class: str | None = None,
    trust_remote_code: bool = False,
) -> Loaded:
    resolved = resolve(model_id, offline=offline)
    if not resolved.ok or resolved.config is None:
        raise AssistError(f"cannot resolve model `{model_id}`: {resolved.problem or 'no config.json found'}")
    try:
        built = build(
            resolved.config, resolved.id, auto_class=auto_class, trust_remote_code=trust_remote_code
        )
    except BuildError as exc:
        hint = "; rerun with --trust-remote-code for a local model folder" if exc.remote_code else ""
        raise AssistError(f"cannot build `{resolved.id}`: {exc.message}{hint}") from None
    return Loaded(resolved, built)


def load_for_command(args: Any, prog: str) -> Loaded:
    """``load`` with the model options of a subcommand; a failure is one line and exit 2."""
    try:
        loaded = load(
            args.model,
            offline=args.offline,
            auto_class=args.auto_class,
            trust_remote_code=args.trust_remote_code,
        )
    except AssistError as exc:
        raise SystemExit(f"{prog}: {exc.message}") from None
    inv = loaded.built.inventory
    if inv.assumed:
        print(
            f"{prog}: warning: transformers cannot build `{loaded.model_id}` from its config as written "
            f"({inv.build_problem}); built with {describe(inv.assumed)} (rule LL014)",
            file=sys.stderr,
        )
    return loaded
