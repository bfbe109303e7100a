"""What a rule sees: the spec with its document, the model's inventory, and PEFT's predicted outcome."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from lora_lint.diagnostics import Diagnostic, Severity, Span
from lora_lint.extract.spec import LoraSpec
from lora_lint.load.document import Document
from lora_lint.matching import as_list, entry_matches, regex_matches
from lora_lint.models.inventory import BuildError, Inventory
from lora_lint.models.resolve import ResolvedModel
from lora_lint.predict.base import Prediction

REGEX_CHARS = frozenset("*+?[](){}|^$\\")


@dataclass
class Options:
    strict: bool = False


@dataclass
class Entry:
    field: str
    index: int
    value: str
    span: Span


@dataclass
class RuleContext:
    spec: LoraSpec
    path: str
    resolved: ResolvedModel | None = None
    build_error: BuildError | None = None
    inventory: Inventory | None = None
    prediction: Prediction | None = None
    options: Options = field(default_factory=Options)
    model_ref: str | None = None
    reported: list[Diagnostic] = field(default_factory=list)  # by the rules that ran before
    _match_cache: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    @property
    def doc(self) -> Document:
        return self.spec.document

    def report(
        self, code: str, span: Span, message: str, help: str | None = None, severity: Severity | None = None
    ) -> Diagnostic:
        from lora_lint.rules import get

        rule = get(code)
        return Diagnostic(self.path, span, code, rule.NAME, severity or rule.SEVERITY, message, help)

    def model_span(self) -> Span:
        """Where the config names its base model, else the config itself."""
        ref = self.spec.model
        return self.doc.span(ref.path if ref is not None and ref.path is not None else self.spec.location)

    def field_span(self, name: str) -> Span:
        found = self.spec.fields.get(name)
        return found.span(self.doc) if found else self.doc.span(self.spec.location)

    def entries(self, name: str) -> Iterator[Entry]:
        found = self.spec.fields.get(name)
        values = as_list(found.value) if found else None
        if found is None or values is None:
            return
        for index, value in enumerate(values):
            yield Entry(name, index, value, found.entry_span(self.doc, index))

    def list_hits(self, entry: str) -> list[str]:
        """Module names a list entry matches (exact or dotted suffix), containers included."""
        key = ("list", entry)
        if key not in self._match_cache:
            assert self.inventory is not None
            self._match_cache[key] = self.inventory.suffix_hits(entry)
        return self._match_cache[key]

    def regex_hits(self, pattern: str) -> list[str]:
        key = ("regex", pattern)
        if key not in self._match_cache:
            assert self.inventory is not None
            self._match_cache[key] = regex_matches(pattern, self.inventory.names)
        return self._match_cache[key]

    def entry_owner(self, module: str) -> Entry | None:
        """The target_modules entry that selects ``module`` (first one), if it is a list."""
        for entry in self.entries("target_modules"):
            if entry_matches(entry.value, module):
                return entry
        return None

    def lora_params(self) -> dict[str, int]:
        """LoRA parameters PEFT would add per wrapped module."""
        out: dict[str, int] = {}
        if self.prediction is not None:
            for item in self.prediction.wrapped:
                out[item.module] = out.get(item.module, 0) + item.params
        return out


def looks_like_regex(value: str) -> bool:
    return any(c in REGEX_CHARS for c in value)


def model_label(ctx: RuleContext) -> str:
    if ctx.model_ref:
        return f"`{ctx.model_ref}`"
    return f"`{ctx.inventory.model_id}`" if ctx.inventory is not None else "the base model"


Check = Callable[[RuleContext], Iterator[Diagnostic]]
__all__ = ["Check", "Entry", "Options", "RuleContext", "looks_like_regex", "model_label"]
