"""``lora-lint suggest``: the seed guide's strategies, counted by PEFT itself, for any architecture.

Strategies (language model only; a vision or audio tower stays frozen except under all-linear):

* ``qv``: query and value projections (the guide's "efficient" strategy). Where q, k and v are one
  fused layer (GPT-2 ``c_attn``, Phi-3 ``qkv_proj``, GPT-NeoX ``query_key_value``) q-and-v-only is
  impossible and the closest choice, the fused layer, is used and said so.
* ``attention``: q, k, v and the output projection (the guide's default).
* ``attention-mlp``: attention plus the MLP up, gate and down projections (the guide's "high
  performance" strategy).
* ``all-linear``: PEFT's ``all-linear`` (every Linear/Conv1D but the output head).

Every target list is spelled so that each entry selects modules of one kind only (no LL002) and
matches something (no LL001); the trainable counts come from PEFT's ``get_peft_model`` on the meta
model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lora_lint.assist import memory
from lora_lint.assist.loading import Loaded
from lora_lint.assist.spelling import Spelling, list_hits, spell
from lora_lint.models.inventory import Built, Inventory
from lora_lint.predict.base import Prediction
from lora_lint.predict.peft_backed import predict

STRATEGIES = ("qv", "attention", "attention-mlp", "all-linear")
LADDER = ("qv", "attention", "attention-mlp")  # what the guide recommends from, smallest first
ATTENTION_KINDS = frozenset({"q", "k", "v", "qkv", "kv", "o"})
# The guide's criterion 2, task relevance (section 3.1).
TASKS = {
    "classification": ("attention", "classification needs context understanding: attention layers"),
    "qa": ("attention", "QA needs context understanding: attention layers"),
    "translation": ("attention", "translation depends on alignment: attention layers"),
    "summarization": ("attention-mlp", "summarization needs expressiveness: attention + MLP"),
    "generation": ("attention-mlp", "generation needs expressiveness: attention + MLP"),
}
# The guide's criterion 3, memory tiers: (from GB, strategy).
TIERS = ((16, "attention-mlp"), (8, "attention"), (0, "qv"))
TIER_WORDS = {"qv": "q and v only", "attention": "attention (q, k, v, o)", "attention-mlp": "attention + MLP"}


@dataclass(frozen=True)
class Options:
    r: int = 8
    alpha: float = 16
    dropout: float = 0.05
    task: str | None = None
    vram: float | None = None  # bytes
    memory: memory.Settings = field(default_factory=memory.Settings)


@dataclass
class StrategyResult:
    name: str
    spelling: Spelling | None = None  # explicit, unambiguous list (or regex) for the wrapped modules
    target_modules: list[str] | str | None = None  # the PEFT value to paste
    prediction: Prediction | None = None
    estimate: memory.Estimate | None = None
    notes: list[str] = field(default_factory=list)
    unavailable: str | None = None
    dropout: float = 0.0

    @property
    def available(self) -> bool:
        return self.unavailable is None and self.prediction is not None and self.prediction.ok

    @property
    def modules(self) -> list[str]:
        return self.prediction.modules if self.prediction is not None else []

    def as_json(self, recommended: bool) -> dict[str, Any]:
        pred = self.prediction if self.available else None
        return {
            "strategy": self.name,
            "available": self.available,
            "unavailable_reason": self.unavailable,
            "target_modules": self.target_modules,
            "explicit_target_modules": self.spelling.value if self.spelling is not None else None,
            "modules": self.modules if pred else [],
            "module_count": len(self.modules) if pred else 0,
            "trainable_params": pred.trainable if pred else None,
            "total_params": pred.total if pred else None,
            "trainable_percent": round(pred.percent, 4) if pred else None,
            "memory_bytes": self.estimate.total if self.estimate is not None else None,
            "memory": self.estimate.as_json() if self.estimate is not None else None,
            "lora_dropout": self.dropout,
            "notes": self.notes,
            "recommended": recommended,
        }


@dataclass
class Suggestion:
    loaded: Loaded
    options: Options
    strategies: dict[str, StrategyResult]
    recommended: str | None
    reasons: list[str]
    warnings: list[str]

    @property
    def inventory(self) -> Inventory:
        return self.loaded.built.inventory


def linear_names(built: Built) -> list[str]:
    """Modules PEFT's all-linear could take: nn.Linear (and subclasses) and transformers' Conv1D."""
    from torch import nn
    from transformers.pytorch_utils import Conv1D

    return [n for n, m in built.model.named_modules() if n and isinstance(m, (nn.Linear, Conv1D))]


def _language(inv: Inventory, names: list[str]) -> list[str]:
    return [n for n in names if inv.role(n).tower == "language"]


def _pick(inv: Inventory, names: list[str], kinds: set[str], group: str = "attention") -> list[str]:
    return [n for n in names if inv.role(n).group == group and inv.role(n).kind in kinds]


def _leaves(inv: Inventory, names: list[str]) -> str:
    keys = dict.fromkeys(f"`{inv.role(n).key.split('.')[-1]}`" for n in names)
    return ", ".join(keys)


def select(inv: Inventory, linear: list[str], strategy: str) -> tuple[list[str], list[str], str | None]:
    """Modules a strategy adapts, notes about the choice, and why it is unavailable (if it is)."""
    lang = _language(inv, linear)
    attention = _pick(inv, lang, set(ATTENTION_KINDS))
    if not attention and strategy != "all-linear":
        return [], [], "no attention projections recognised in this model; use all-linear or inspect it"
    notes: list[str] = []
    if strategy == "qv":
        q, v = _pick(inv, lang, {"q"}), _pick(inv, lang, {"v"})
        qkv, kv = _pick(inv, lang, {"qkv"}), _pick(inv, lang, {"kv"})
        if v:
            return q + v, notes, None
        if qkv:
            notes.append(
                f"q-and-v-only is not possible: q, k and v are one fused layer ({_leaves(inv, qkv)}); "
                "the closest choice adapts the fused layer (q, k and v)"
            )
            return q + qkv + kv, notes, None
        if kv:
            notes.append(
                f"q-and-v-only is not possible: k and v share fused layers ({_leaves(inv, kv)}); "
                "the closest choice adapts q and the fused k/v layers"
            )
            return q + kv, notes, None
        return [], notes, "no query/value projections recognised"
    if strategy == "attention":
        return attention, notes, None
    if strategy == "attention-mlp":
        mlp = [n for n in lang if inv.role(n).group in {"mlp", "experts"}]
        if not mlp:
            notes.append("no Linear MLP layers found: attention-mlp adapts attention only")
        return attention + mlp, notes, None
    return linear, notes, None


def _expert_note(inv: Inventory) -> str | None:
    fused = {".".join(p.module.split(".")[-2:]) + f".{p.name}" for p in inv.parameters if len(p.shape) == 3}
    if not fused:
        return None
    return (
        "the routed MoE experts are fused 3-D parameters that target_modules cannot reach; add "
        f"`target_parameters: [{', '.join(sorted(fused))}]` to adapt them too (with lora_dropout: 0)"
    )


def _ambiguity_notes(inv: Inventory, spelling: Spelling) -> list[str]:
    if isinstance(spelling.value, str):
        return [f"written as a regex: {spelling.reason}"] if spelling.reason else []
    notes = []
    for entry in spelling.value:
        if "." not in entry:
            continue
        leaf = entry.split(".")[-1]
        mine = list_hits(inv, entry)
        other = [
            h
            for h in list_hits(inv, leaf)
            if h not in mine and (row := inv.row(h)) is not None and row.wrappable
        ]
        labels = list(dict.fromkeys(inv.role(h).label for h in other))
        if labels:
            notes.append(
                f"`{leaf}` alone would also select the {' and '.join(labels)} layers; written `{entry}`"
            )
    return notes


def _peft_notes(inv: Inventory, selected: set[str], prediction: Prediction) -> list[str]:
    """What PEFT does differently from the selection (its transformers-v5 MoE rewrite, routers)."""
    notes = []
    params = sorted({f"{w.module.split('.')[-1]}.{w.parameter}" for w in prediction.wrapped if w.parameter})
    if params:
        notes.append(
            f"PEFT adapts fused parameters through target_parameters here ({', '.join(params)}): "
            "on transformers-v5 MoE models it rewrites MLP names such as gate_proj/up_proj/down_proj "
            "to the routed experts"
        )
    missed = selected - set(prediction.modules)
    if selected and missed:
        leaves = ", ".join(sorted({f"`{inv.role(n).key.split('.')[-1]}`" for n in missed}))
        notes.append(
            f"PEFT leaves {len(missed)} of the listed layers unadapted ({leaves}): its MoE rewrite "
            "sends those names to the routed experts instead (peft#3711)"
        )
    routers = sorted({w.module for w in prediction.wrapped if inv.role(w.module).group == "router"})
    if routers:
        notes.append(
            f"this adapts the MoE router too ({len(routers)} layers, e.g. `{routers[0]}`); "
            "serving engines such as vLLM may refuse router adapters"
        )
    return notes


_DROPOUT_REFUSED = "does not work with lora_dropout"


def _predict(
    built: Built, target: list[str] | str, options: Options, task_type: str | None
) -> tuple[Prediction, float]:
    kwargs: dict[str, Any] = {
        "r": options.r,
        "lora_alpha": options.alpha,
        "lora_dropout": options.dropout,
        "target_modules": target,
    }
    prediction = predict(built, kwargs, task_type)
    failure = prediction.failure
    if failure is not None and _DROPOUT_REFUSED in failure.message and options.dropout:
        kwargs["lora_dropout"] = 0.0
        return predict(built, kwargs, task_type), 0.0
    return prediction, options.dropout


def suggest(loaded: Loaded, options: Options) -> Suggestion:
    built = loaded.built
    inv = built.inventory
    linear = linear_names(built)
    shape = memory.shape_of(built)
    results: dict[str, StrategyResult] = {}
    expert_note = _expert_note(inv)
    others = [n for n in linear if inv.role(n).tower != "language"]
    for name in STRATEGIES:
        result = StrategyResult(name, dropout=options.dropout)
        results[name] = result
        modules, notes, unavailable = select(inv, linear, name)
        result.notes.extend(notes)
        if unavailable:
            result.unavailable = unavailable
            continue
        if name == "all-linear":
            result.target_modules = "all-linear"
        else:
            result.spelling = spell(inv, modules)
            result.target_modules = result.spelling.value
            result.notes.extend(_ambiguity_notes(inv, result.spelling))
        result.prediction, result.dropout = _predict(built, result.target_modules, options, loaded.task_type)
        if not result.prediction.ok:
            failure = result.prediction.failure
            result.unavailable = f"PEFT rejects it: {failure.message if failure else 'unknown error'}"
            continue
        if result.dropout != options.dropout:
            result.notes.append("lora_dropout is 0 here: PEFT's parameter adapters do not support dropout")
        selected = set(result.spelling.modules) if result.spelling is not None else set()
        result.notes.extend(_peft_notes(inv, selected, result.prediction))
        if name == "all-linear":
            wrapped = {w.module for w in result.prediction.wrapped if w.parameter is None}
            result.spelling = spell(inv, wrapped) if wrapped else None
            if others:
                result.notes.append(
                    f"includes {len(set(others) & wrapped)} layers outside the language model "
                    "(vision/audio tower, projector)"
                )
        reaches_experts = any(w.parameter for w in result.prediction.wrapped)
        if expert_note and not reaches_experts and name in {"attention-mlp", "all-linear"}:
            result.notes.append(expert_note)
        if name != "all-linear" and others:
            result.notes.append("the vision/audio tower and projector stay frozen")
        result.estimate = memory.estimate(shape, result.prediction, built, options.memory, result.dropout)
    _cost_notes(results)
    recommended, reasons, warnings = recommend(results, options)
    return Suggestion(loaded, options, results, recommended, reasons, warnings)


def _cost_notes(results: dict[str, StrategyResult]) -> None:
    """Complete the fused-projection note with what the closest choice costs."""
    qv, attention = results["qv"], results["attention"]
    for i, note in enumerate(qv.notes):
        if not note.startswith("q-and-v-only") or not qv.available or qv.prediction is None:
            continue
        cost = f"{qv.prediction.trainable or 0:,d} trainable parameters"
        if attention.available and attention.prediction is not None:
            cost += f", against {attention.prediction.trainable or 0:,d} for attention"
        qv.notes[i] = f"{note}: {qv.spelling.text() if qv.spelling else ''}, {cost}"


def tier_of(vram: float) -> tuple[int, str]:
    for floor, strategy in TIERS:
        if vram >= floor * memory.GB:
            return floor, strategy
    return 0, "qv"  # pragma: no cover - the last tier starts at 0


def recommend(
    results: dict[str, StrategyResult], options: Options
) -> tuple[str | None, list[str], list[str]]:
    """The guide's choice for the task and memory given, stepped down until the estimate fits."""
    reasons: list[str] = []
    warnings: list[str] = []
    if options.task:
        want, why = TASKS[options.task]
        reasons.append(f"task {options.task}: {why}")
    else:
        want = "attention"
        reasons.append("no --task: the guide's default, attention layers only")
    if options.vram is not None:
        floor, tier = tier_of(options.vram)
        label = f"{floor}+ GB" if floor else "under 8 GB"
        reasons.append(f"{label} tier: {TIER_WORDS[tier]}")
        if LADDER.index(tier) < LADDER.index(want):
            want = tier
    available = [s for s in LADDER if results[s].available]
    if not available:
        return None, reasons, ["no strategy is available for this model"]
    index = LADDER.index(want)
    below = [s for s in available if LADDER.index(s) <= index]
    choice = below[-1] if below else available[0]
    if options.vram is not None:
        budget = options.vram * (1 - memory.HEADROOM)
        while True:
            est = results[choice].estimate
            if est is None or est.total <= budget:
                break
            smaller = [s for s in available if LADDER.index(s) < LADDER.index(choice)]
            if not smaller:
                warnings.append(
                    f"even {choice} needs about {memory.gb(est.total)}, over {memory.gb(budget)} "
                    f"(90% of {memory.gb(options.vram)}): try --quantize 4bit, a shorter --seq-len, "
                    "a smaller --batch-size or --gradient-checkpointing"
                )
                break
            reasons.append(
                f"{choice} needs about {memory.gb(est.total)}, over {memory.gb(budget)}: one step down"
            )
            choice = smaller[-1]
        est = results[choice].estimate
        if est is not None and est.total <= budget:
            reasons.append(f"{choice} needs about {memory.gb(est.total)}, within {memory.gb(budget)}")
    return choice, reasons, warnings
