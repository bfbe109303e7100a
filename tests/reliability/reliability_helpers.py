"""Helpers for the reliability tests: run the command in-process and check how it ended."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

from lora_lint.cli import main

SCALE = max(1, int(os.environ.get("LORA_LINT_FUZZ_SCALE", "1")))


def fuzz(examples: int, suppress: Iterable[HealthCheck] = HealthCheck) -> settings:
    """Hypothesis settings for a fuzz test: ``examples`` times ``LORA_LINT_FUZZ_SCALE``, no deadline, no
    example database; under CI (``CI`` set) derandomized, the same examples every run; locally, new ones."""
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        database=None,
        derandomize=bool(os.environ.get("CI")),
        suppress_health_check=list(suppress),
    )


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def diagnostics(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = json.loads(self.out)["diagnostics"]
        return found

    def codes(self) -> list[str]:
        return [d["code"] for d in self.diagnostics]


def lint(*argv: str, cwd: Path | None = None) -> Run:
    """``lora-lint ARGV`` in this process; never raises (main returns an exit code)."""
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        code = main(list(argv), out=out, err=err)
    finally:
        os.chdir(old)
    return Run(code, out.getvalue(), err.getvalue())


def assert_clean_exit(run: Run) -> None:
    """Exit 0 or 1, and no internal error or traceback anywhere."""
    assert run.code in (0, 1), (run.code, run.err)
    assert "Traceback" not in run.out + run.err, run.err
    assert "internal error" not in run.err, run.err


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0
