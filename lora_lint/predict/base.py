"""What PEFT would do with a LoRA spec on a model: the Prediction both predictors produce."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Wrapped:
    """One LoRA layer PEFT would add: a module, or a module's parameter (target_parameters)."""

    module: str
    parameter: str | None
    r: int
    alpha: float
    params: int  # trainable LoRA parameters this layer adds

    @property
    def key(self) -> str:
        return self.module if self.parameter is None else f"{self.module}.{self.parameter}"


@dataclass(frozen=True)
class Failure:
    """PEFT would raise. ``kind``: config, no-match, unsupported, layers, other."""

    kind: str
    message: str
    exception: str = ""


@dataclass
class Prediction:
    engine: str
    wrapped: list[Wrapped] = field(default_factory=list)
    saved: dict[str, int] = field(default_factory=dict)  # modules_to_save copies -> params
    trainable: int | None = None
    total: int | None = None
    failure: Failure | None = None
    warnings: list[str] = field(default_factory=list)
    # list target_modules entries that PEFT's transformers-v5 MoE conversion turns into parameter targets
    renamed: dict[str, str] = field(default_factory=dict)

    @property
    def modules(self) -> list[str]:
        return sorted({w.module for w in self.wrapped})

    @property
    def ok(self) -> bool:
        return self.failure is None and self.trainable is not None

    def by_module(self) -> dict[str, list[Wrapped]]:
        out: dict[str, list[Wrapped]] = {}
        for item in self.wrapped:
            out.setdefault(item.module, []).append(item)
        return out

    @property
    def percent(self) -> float:
        if not self.trainable or not self.total:
            return 0.0
        return 100 * self.trainable / self.total

    def summary(self) -> str:
        """The line PEFT's ``print_trainable_parameters`` prints."""
        if self.trainable is None or self.total is None:
            return "not predicted"
        return (
            f"trainable params: {self.trainable:,d} || all params: {self.total:,d} || "
            f"trainable%: {self.percent:.4f}"
        )


def classify_failure(exc: BaseException, stage: str) -> Failure:
    text = str(exc).strip() or type(exc).__name__
    first = " ".join(text.split())
    low = first.lower()
    name = type(exc).__name__
    if stage == "config":
        kind = "layers" if "layers_to_transform" in low or "layers_pattern" in low else "config"
    elif (
        name == "NoMatchingPeftModuleError"
        or "not found in the base model" in low
        or "no modules were" in low
        or "all modules were excluded" in low
        or "no `target_modules` passed" in low
    ):
        kind = "no-match"
    elif "is not supported" in low or "not supported. currently" in low:
        kind = "unsupported"
    elif "layers_to_transform" in low or "layers_pattern" in low:
        kind = "layers"
    else:
        kind = "other"
    return Failure(kind, first[:600], name)
