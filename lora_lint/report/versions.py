"""Versions of lora-lint and the stack it predicts for, read without importing torch."""

from __future__ import annotations

from functools import lru_cache
from importlib import metadata

from lora_lint import __version__


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


@lru_cache(maxsize=1)
def tools() -> dict[str, str | None]:
    return {
        "lora_lint": __version__,
        "torch": _version("torch"),
        "transformers": _version("transformers"),
        "peft": _version("peft"),
    }
