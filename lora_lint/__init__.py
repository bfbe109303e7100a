"""lora-lint: static analysis for LoRA fine-tuning configs."""

from __future__ import annotations

__version__ = "0.1.0"
