from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
# One fresh lora-lint cache per test session: hermetic, yet shared by the tests of the run.
os.environ.setdefault("LORA_LINT_CACHE_DIR", tempfile.mkdtemp(prefix="lora-lint-test-cache-"))


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED
