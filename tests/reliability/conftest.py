"""Fixtures for the reliability, security and fuzz tests.

Every test here runs offline, with lora-lint's cache and the Hugging Face cache pointed into a
temporary folder, so nothing outside the test's own folders is read or written.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def cache_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One lora-lint cache for the whole session, so each catalogue model is built once."""
    return tmp_path_factory.mktemp("lora-lint-cache")


@pytest.fixture(autouse=True)
def hermetic(
    monkeypatch: pytest.MonkeyPatch, cache_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    monkeypatch.setenv("LORA_LINT_CACHE_DIR", str(cache_root))
    monkeypatch.setenv("HF_HOME", str(tmp_path_factory.getbasetemp() / "hf-home"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    yield
