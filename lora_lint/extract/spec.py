"""The normalised LoRA spec every framework adapter yields: what PEFT will see, with positions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lora_lint.diagnostics import Severity, Span
from lora_lint.load.document import Document, KeyPath, pointer

if TYPE_CHECKING:
    from lora_lint.models.inventory import Inventory

# LoraConfig's fields in peft 0.21 (tests compare this with the installed peft).
PEFT_CONFIG_FIELDS = (
    "task_type",
    "peft_type",
    "auto_mapping",
    "peft_version",
    "base_model_name_or_path",
    "revision",
    "inference_mode",
)
LORA_FIELDS = (
    "r",
    "target_modules",
    "exclude_modules",
    "lora_alpha",
    "lora_dropout",
    "fan_in_fan_out",
    "bias",
    "use_rslora",
    "modules_to_save",
    "init_lora_weights",
    "layers_to_transform",
    "layers_pattern",
    "rank_pattern",
    "alpha_pattern",
    "megatron_config",
    "megatron_core",
    "trainable_token_indices",
    "loftq_config",
    "eva_config",
    "corda_config",
    "lora_ga_config",
    "use_dora",
    "velora_config",
    "alora_invocation_tokens",
    "use_qalora",
    "qalora_group_size",
    "monteclora_config",
    "layer_replication",
    "runtime_config",
    "lora_bias",
    "target_parameters",
    "use_bdlora",
    "arrow_config",
    "kasa_config",
    "ensure_weight_tying",
)
ALL_FIELDS = frozenset(PEFT_CONFIG_FIELDS + LORA_FIELDS)

TASK_TYPES = ("CAUSAL_LM", "SEQ_CLS", "SEQ_2_SEQ_LM", "TOKEN_CLS", "QUESTION_ANS", "FEATURE_EXTRACTION")


@dataclass
class Field:
    """One LoraConfig argument: its value as PEFT will receive it and where it was written."""

    value: Any
    path: KeyPath | None = None
    entry_spans: tuple[Span, ...] | None = None  # for values split out of one string

    def span(self, doc: Document) -> Span:
        return doc.span(self.path) if self.path is not None else Span(1, 1, 1, 1)

    def entry_span(self, doc: Document, index: int) -> Span:
        if self.entry_spans is not None and index < len(self.entry_spans):
            return self.entry_spans[index]
        if self.path is None:
            return Span(1, 1, 1, 1)
        return doc.span((*self.path, index))


@dataclass
class ModelRef:
    id: str
    path: KeyPath | None = None
    key: str = ""


@dataclass
class Note:
    """A framework transformation worth telling the user about (LL011)."""

    message: str
    help: str | None
    path: KeyPath | None
    severity: Severity = Severity.WARNING
    span: Span | None = None


@dataclass
class LoraSpec:
    document: Document
    framework: str
    location: KeyPath
    fields: dict[str, Field] = field(default_factory=dict)
    model: ModelRef | None = None
    task_type: str | None = None
    notes: list[Note] = field(default_factory=list)
    unknown_keys: list[tuple[str, KeyPath]] = field(default_factory=list)
    # Which LoraConfig fields are validated against the schema (a framework's own keys may differ).
    validate: bool = True
    # Framework-specific static outcome when PEFT is not involved (e.g. torchtune, mlx-lm).
    peft_applies: bool = True
    # With peft_applies False: the fields hold a PEFT spec equivalent to what the framework does
    # on the Hugging Face model, predicted only to fill in modules and counts.
    equivalent: bool = False
    # A framework transform that needs the model (an "all linear" scan, exact mlx-lm keys): called
    # once with the inventory, before prediction; it rewrites fields and adds notes.
    expand: Callable[[LoraSpec, Inventory], None] | None = None

    @property
    def pointer(self) -> str:
        return pointer(self.location)

    def value(self, name: str, default: Any = None) -> Any:
        found = self.fields.get(name)
        return default if found is None else found.value

    def kwargs(self) -> dict[str, Any]:
        """The LoraConfig keyword arguments (PeftConfig bookkeeping fields left out)."""
        skip = {"peft_type", "auto_mapping", "peft_version", "base_model_name_or_path", "revision"}
        return {name: f.value for name, f in self.fields.items() if name not in skip}
