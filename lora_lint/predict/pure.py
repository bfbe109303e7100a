"""PEFT's LoRA targeting and counting, re-done on a cached inventory without torch, transformers or peft.

It follows ``get_peft_model`` step by step (see shared/reference/peft-semantics.md §0-§4): task-type
additions to ``modules_to_save``, the default targets per model type, ``all-linear`` (with the output
embedding and SEQ_CLS head exclusions), the >= 20 names condensation, the per-module match
(``exclude_modules``, the ``modules_to_save`` guard, str/list matching, ``layers_to_transform`` and
``layers_pattern``), rank and alpha patterns, ``target_parameters``, PEFT's no-match errors and the
unsupported-module error, bias modes, DoRA, ``lora_bias`` and ``modules_to_save`` copies.

Anything it does not cover raises ``NotCovered`` and the caller falls back to the PEFT-backed
predictor: the transformers-v5 MoE config rewrite, ``ensure_weight_tying``, ``layer_replication``,
``trainable_token_indices``, init methods other than True/False/"gaussian", variants, unknown
fields, values of an unexpected type, and every case where PEFT would raise an error other than
the ones emulated here. tests/test_pure.py proves the two predictors equal; ``PROVEN_PEFT`` is the
newest peft that proof ran against, and a newer peft always goes to PEFT (``peft_gate``).

PEFT's warnings are not emulated: ``Prediction.warnings`` stays empty on this path.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from lora_lint.matching import compile_regex
from lora_lint.models.inventory import Inventory, ModuleRow
from lora_lint.predict.base import Failure, Prediction, Wrapped, classify_failure

ENGINE = "pure"
PROVEN_PEFT = (0, 21, 2)
ADAPTER = "default"
MIN_CONDENSE = 20  # peft's MIN_TARGET_MODULES_FOR_OPTIMIZATION
TASK_TYPES = frozenset(
    {"SEQ_CLS", "SEQ_2_SEQ_LM", "CAUSAL_LM", "TOKEN_CLS", "QUESTION_ANS", "FEATURE_EXTRACTION"}
)
SEQ_CLS_SAVED = ("classifier", "score")
TASK_SAVED_AFTER = {"TOKEN_CLS": ("classifier", "score"), "QUESTION_ANS": ("qa_outputs",)}
MOE_PATTERNS = frozenset({"mixtral", "qwen2_moe"})  # peft's _MOE_TARGET_MODULE_MAPPING keys
MAMBA_TYPES = frozenset({"falcon_h1", "mamba", "mamba2", "falcon_mamba", "nemotron_h"})
LINEAR_KINDS = frozenset({"linear", "conv1d_hf"})
CONV_KINDS = frozenset({"conv1d", "conv2d", "conv3d"})
UNSUPPORTED_TAIL = (
    " is not supported. Currently, only the following modules are supported: "
    "`torch.nn.Linear`, `torch.nn.Embedding`, `torch.nn.Conv1d`, `torch.nn.Conv2d`, `torch.nn.Conv3d`, "
    "`transformers.pytorch_utils.Conv1D`, `torch.nn.MultiheadAttention.`."
)

# peft 0.21's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING (tests compare it with the installed peft).
DEFAULT_TARGETS: dict[str, list[str] | str] = {
    "t5": ["q", "v"],
    "mt5": ["q", "v"],
    "bart": ["q_proj", "v_proj"],
    "gpt2": ["c_attn"],
    "bloom": ["query_key_value"],
    "blip-2": ["q", "v", "q_proj", "v_proj"],
    "opt": ["q_proj", "v_proj"],
    "gptj": ["q_proj", "v_proj"],
    "gpt_neox": ["query_key_value"],
    "gpt_neo": ["q_proj", "v_proj"],
    "bert": ["query", "value"],
    "roberta": ["query", "value"],
    "xlm-roberta": ["query", "value"],
    "electra": ["query", "value"],
    "deberta-v2": ["query_proj", "value_proj"],
    "deberta": ["in_proj"],
    "layoutlm": ["query", "value"],
    "llama": ["q_proj", "v_proj"],
    "llama4": ["q_proj", "v_proj"],
    "chatglm": ["query_key_value"],
    "gpt_bigcode": ["c_attn"],
    "mpt": ["Wqkv"],
    "RefinedWebModel": ["query_key_value"],
    "RefinedWeb": ["query_key_value"],
    "falcon": ["query_key_value"],
    "btlm": ["c_proj", "c_attn"],
    "codegen": ["qkv_proj"],
    "mistral": ["q_proj", "v_proj"],
    "mixtral": ["q_proj", "v_proj"],
    "stablelm": ["q_proj", "v_proj"],
    "phi": ["q_proj", "v_proj", "fc1", "fc2"],
    "gemma": ["q_proj", "v_proj"],
    "gemma2": ["q_proj", "v_proj"],
    "gemma3_text": ["q_proj", "v_proj"],
    "gemma4": r".*language_model\..*\.(q_proj|v_proj)",
    "qwen2": ["q_proj", "v_proj"],
    "qwen3": ["q_proj", "v_proj"],
    "nemotron_h": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "rwkv": ["key", "value", "receptance", "output"],
    "rwkv7": ["r_proj", "k_proj", "v_proj", "o_proj", "key", "value"],
}

# LoraConfig fields (peft 0.21) this predictor only accepts at their default (or an equivalent) value.
# A value from a list here means "nothing to do".
DEFAULT_ONLY: dict[str, tuple[Any, ...]] = {
    "inference_mode": (False,),
    "megatron_config": (None,),
    "megatron_core": ("megatron.core",),
    "trainable_token_indices": (None,),
    "loftq_config": ({}, None),
    "eva_config": (None,),
    "corda_config": (None,),
    "lora_ga_config": (None,),
    "velora_config": (None,),
    "alora_invocation_tokens": (None,),
    "use_qalora": (False,),
    "monteclora_config": (None,),
    "layer_replication": (None,),
    "use_bdlora": (None,),
    "arrow_config": (None,),
    "kasa_config": (None,),
    "ensure_weight_tying": (False,),
}
HANDLED = frozenset(
    {
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
        "use_dora",
        "lora_bias",
        "target_parameters",
        "task_type",
        "qalora_group_size",
    }
)


class NotCovered(Exception):
    """This config needs a PEFT step the pure predictor does not re-implement."""


class NoMatchingPeftModuleError(ValueError):
    """Stands in for peft's exception of that name, so failures read the same on both paths."""


def _version_tuple(text: str) -> tuple[int, ...]:
    parts: list[int] = []
    for piece in text.split(".")[:3]:
        digits = re.match(r"\d+", piece)
        if digits is None:
            break
        parts.append(int(digits.group()))
    return tuple(parts)


def peft_gate(installed: str | None) -> str | None:
    """None when the pure predictor may stand in for ``installed`` peft, else why it may not."""
    if installed is None:
        return None
    version = _version_tuple(installed)
    proven = ".".join(map(str, PROVEN_PEFT))
    if version[:2] == PROVEN_PEFT[:2] and version <= PROVEN_PEFT:
        return None
    if version > PROVEN_PEFT:
        return (
            f"peft {installed} is newer than {proven}, the newest version lora-lint's fast matcher was "
            "proven equal to; every prediction uses PEFT itself (slower)"
        )
    return (
        f"peft {installed} predates {proven}, the version lora-lint's fast matcher was proven equal to; "
        "every prediction uses PEFT itself"
    )


# ---------------------------------------------------------------------------------------------
# Config validation: what LoraConfig(**kwargs) would accept, narrowed to what is re-implemented.


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) and math.isfinite(value)


def _str_list(value: Any) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _regex_ok(pattern: str) -> bool:
    return compile_regex(pattern) is not None


@dataclass
class _Config:
    r: int = 8
    alpha: float | int = 8
    dropout: float | int = 0.0
    fan_in_fan_out: bool = False
    bias: str = "none"
    target: set[str] | str | None = None
    exclude: set[str] | str | None = None
    saved: list[str] | None = None
    layers: int | list[int] | None = None
    layers_pattern: str | list[str] | None = None
    rank_pattern: dict[str, Any] = field(default_factory=dict)
    alpha_pattern: dict[str, Any] = field(default_factory=dict)
    dora: bool = False
    lora_bias: bool = False
    target_parameters: list[str] | None = None
    task_type: str | None = None


def _config(kwargs: dict[str, Any], task_type: str | None) -> _Config | Failure:
    values = dict(kwargs)
    if task_type is not None:
        values["task_type"] = task_type
    for name, value in values.items():
        if name in HANDLED:
            continue
        allowed = DEFAULT_ONLY.get(name)
        if allowed is None or not any(type(value) is type(a) and value == a for a in allowed):
            raise NotCovered(f"`{name}` = {value!r}")
    cfg = _Config()
    get = values.get
    if "r" in values:
        cfg.r = values["r"]
    if not _is_int(cfg.r) or cfg.r <= 0:
        raise NotCovered("r")
    if "lora_alpha" in values:
        cfg.alpha = values["lora_alpha"]
    if not _is_number(cfg.alpha):
        raise NotCovered("lora_alpha")
    cfg.dropout = get("lora_dropout", 0.0)
    if not _is_number(cfg.dropout) or not 0 <= cfg.dropout <= 1:
        raise NotCovered("lora_dropout")
    for name in ("fan_in_fan_out", "use_rslora", "use_dora", "lora_bias"):
        if not isinstance(get(name, False), bool):
            raise NotCovered(name)
    cfg.fan_in_fan_out = get("fan_in_fan_out", False)
    cfg.dora = get("use_dora", False)
    cfg.lora_bias = get("lora_bias", False)
    if cfg.dora and cfg.lora_bias:
        raise NotCovered("lora_bias with DoRA")
    cfg.bias = get("bias", "none")
    if cfg.bias not in ("none", "all", "lora_only"):
        raise NotCovered("bias")
    if not _is_int(get("qalora_group_size", 16)):
        raise NotCovered("qalora_group_size")
    init = get("init_lora_weights", True)
    if not (init is True or init is False or init == "gaussian"):
        raise NotCovered("init_lora_weights")
    tt = get("task_type")
    if tt is not None and tt not in TASK_TYPES:
        raise NotCovered("task_type")
    cfg.task_type = tt
    target = get("target_modules")
    if isinstance(target, str):
        if target.lower() != "all-linear" and not _regex_ok(target):
            raise NotCovered("target_modules regex")
        cfg.target = target
    elif _str_list(target):
        cfg.target = set(target)  # LoraConfig turns a list into a set
    elif target is not None:
        raise NotCovered("target_modules")
    exclude = get("exclude_modules")
    if isinstance(exclude, str):
        if not _regex_ok(exclude):
            raise NotCovered("exclude_modules regex")
        cfg.exclude = exclude
    elif _str_list(exclude):
        cfg.exclude = set(exclude)
    elif exclude is not None:
        raise NotCovered("exclude_modules")
    saved = get("modules_to_save")
    if saved is not None and not (
        _str_list(saved) and all(m and _regex_ok(rf"(^|.*\.){m}($|\..*)") for m in saved)
    ):
        raise NotCovered("modules_to_save")
    cfg.saved = list(saved) if saved is not None else None
    params = get("target_parameters")
    if params is not None and not _str_list(params):
        raise NotCovered("target_parameters")
    cfg.target_parameters = list(params) if params is not None else None
    layers = get("layers_to_transform")
    if (
        layers is not None
        and not _is_int(layers)
        and not (isinstance(layers, list) and all(map(_is_int, layers)))
    ):
        raise NotCovered("layers_to_transform")
    cfg.layers = layers
    pattern = get("layers_pattern")
    if pattern is not None:
        pieces = [pattern] if isinstance(pattern, str) else pattern
        if not _str_list(pieces) or not all(_regex_ok(rf"(?:^|.*?\.){p}\.(?P<idx>\d+)\.") for p in pieces):
            raise NotCovered("layers_pattern")
    cfg.layers_pattern = pattern
    for name in ("rank_pattern", "alpha_pattern"):
        found = get(name, {})
        if not isinstance(found, dict) or not all(
            isinstance(k, str) and _regex_ok(rf"(.*\.)?({k})$") for k in found
        ):
            raise NotCovered(name)
        check = _is_int if name == "rank_pattern" else _is_number
        if not all(check(v) for v in found.values()) or (
            name == "rank_pattern" and min(found.values(), default=1) <= 0
        ):
            raise NotCovered(name)
        setattr(cfg, name, found)
    # LoraConfig.__post_init__'s layer checks, in its order.
    if isinstance(cfg.target, str) and cfg.layers is not None:
        return classify_failure(
            ValueError("`layers_to_transform` cannot be used when `target_modules` is a str."), "config"
        )
    if isinstance(cfg.target, str) and cfg.layers_pattern is not None:
        return classify_failure(
            ValueError("`layers_pattern` cannot be used when `target_modules` is a str."), "config"
        )
    if cfg.layers_pattern and cfg.layers is None:
        return classify_failure(
            ValueError("When `layers_pattern` is specified, `layers_to_transform` must also be specified. "),
            "config",
        )
    return cfg


# ---------------------------------------------------------------------------------------------
# Matching (tuners_utils.check_target_module_exists and friends).


def _suffixes(name: str) -> list[str]:
    """Dotted suffixes of ``name``, shortest first."""
    parts = name.split(".")
    return [".".join(parts[i:]) for i in range(len(parts) - 1, -1, -1)]


def condense(targets: Iterable[str], others: Iterable[str]) -> set[str]:
    """The smallest set of dotted suffixes that still picks exactly ``targets`` (peft's condensation).

    Targets are visited in a fixed order (by their suffix lists); each gets its shortest suffix that
    no other module name ends in, unless a suffix chosen earlier already covers it.
    """
    target_set = set(targets)
    taken = {suffix for name in others for suffix in _suffixes(name)}
    chosen: set[str] = set()
    for name, options in sorted(((t, _suffixes(t)) for t in target_set), key=lambda pair: pair[1]):
        for option in options:
            if option in chosen or option in taken:
                continue
            if any(name.endswith("." + c) for c in chosen):
                continue
            chosen.add(option)
            break
    return chosen or target_set


def _dotted_suffix_in(key: str, names: set[str] | frozenset[str]) -> bool:
    """``any(key.endswith("." + n) for n in names)``, by looking up each dotted suffix of ``key``."""
    dot = key.find(".")
    while dot != -1:
        if key[dot + 1 :] in names:
            return True
        dot = key.find(".", dot + 1)
    return False


# all-linear sets recur across configs: condensing one is done once per inventory.
_CONDENSED: dict[tuple[int, frozenset[str]], tuple[Inventory, frozenset[str]]] = {}


def _layer_of(key: str, pattern: str | list[str] | None) -> int | None:
    if pattern is None or len(pattern) == 0:
        found = re.match(r".*?\.[^.]*\.(?P<idx>\d+)\.", key)
    else:
        found = None
        for piece in [pattern] if isinstance(pattern, str) else pattern:
            found = re.match(rf"(?:^|.*?\.){piece}\.(?P<idx>\d+)\.", key)
            if found is not None:
                break
    return int(found.group("idx")) if found else None


_EXCLUDED = "excluded"


def _hits(inv: Inventory, entries: set[str]) -> set[str]:
    """Inventory names a list of entries matches: equal to one, or ending in ``"." + entry``."""
    found: set[str] = set()
    for entry in entries:
        found.update(inv.suffix_hits(entry))
    return found


def _match(
    cfg: _Config,
    target: set[str] | str | None,
    saved: list[str] | None,
    key: str,
    target_hits: set[str],
    exclude_hits: set[str],
) -> bool | str:
    """PEFT's check_target_module_exists for one module; ``*_hits`` are ``_hits`` of the list forms."""
    exclude = cfg.exclude
    if exclude:
        if isinstance(exclude, str):
            if re.fullmatch(exclude, key):
                return _EXCLUDED
        elif key in exclude_hits:
            return _EXCLUDED
    if saved and any(re.match(rf"(^|.*\.){m}($|\..*)", key) for m in saved):
        return _EXCLUDED
    if target is None and cfg.target_parameters is not None:
        return False
    if isinstance(target, str):
        return re.fullmatch(target, key) is not None
    assert target is not None
    if key in target:
        return True
    found = key in target_hits
    layers = cfg.layers
    if found and layers is not None and (len(layers) != 0 if isinstance(layers, list) else True):
        index = _layer_of(key, cfg.layers_pattern)
        if index is None:
            return False
        return index == layers if isinstance(layers, int) else index in layers
    return found


def _pattern_value(patterns: dict[str, Any], key: str, default: Any) -> Any:
    for pattern, value in patterns.items():
        if re.match(rf"(.*\.)?({pattern})$", key):
            return value
    return default


# ---------------------------------------------------------------------------------------------
# Counting (per-layer formulas, peft-semantics.md §4).


def _lora_params(row: ModuleRow, r: int, cfg: _Config) -> int:
    assert row.in_features is not None and row.out_features is not None
    n_in, n_out = row.in_features, row.out_features
    if row.kind in LINEAR_KINDS:
        return r * (n_in + n_out) + (n_out if cfg.lora_bias else 0) + (n_out if cfg.dora else 0)
    if row.kind == "embedding":
        if cfg.lora_bias:
            raise NotCovered("lora_bias on an embedding")
        return r * (n_in + n_out) + (n_out if cfg.dora else 0)
    if row.kind in CONV_KINDS:
        if r % row.groups:
            raise NotCovered("conv rank not divisible by groups")
        return (
            n_in * r * math.prod(row.kernel)
            + (r // row.groups) * n_out
            + (n_out if cfg.lora_bias else 0)
            + (n_out if cfg.dora else 0)
        )
    raise NotCovered(f"layer kind {row.kind or row.cls}")


def _internal_names(name: str, row: ModuleRow) -> list[str]:
    """Module names a LoRA layer adds under ``name`` (a superset is fine: any hit means NotCovered)."""
    parts = ["base_layer", "lora_dropout", "lora_A", "lora_B", "lora_embedding_A", "lora_embedding_B"]
    parts += ["lora_magnitude_vector", "lora_variant"]
    out = [f"{name}.{p}" for p in parts]
    out += [f"{name}.{p}.{ADAPTER}" for p in ("lora_dropout", "lora_A", "lora_B", "lora_magnitude_vector")]
    return out


@dataclass
class _State:
    inv: Inventory
    wrapped_rows: dict[str, ModuleRow] = field(default_factory=dict)
    saved: dict[str, int] = field(default_factory=dict)


def _subtree(inv: Inventory, name: str) -> list[ModuleRow]:
    prefix = name + "."
    return [row for row in inv.modules if row.name == name or row.name.startswith(prefix)]


def _copy_params(inv: Inventory, name: str) -> int:
    prefix = name + "."
    rows = _subtree(inv, name)
    total = sum(row.params for row in rows)
    for dup, (first, numel) in inv.shared_params.items():
        if (dup.startswith(prefix) or dup.rpartition(".")[0] == name) and (
            first.startswith(prefix) or first.rpartition(".")[0] == name
        ):
            total -= numel
    return total


def _within(name: str, other: str) -> bool:
    return name == other or name.startswith(other + ".")


def _save_pass(state: _State, entries: list[str], prefix: str, touched: set[str]) -> None:
    """One ``_set_trainable`` call: wrap every module whose name ends with an entry."""
    inv = state.inv
    if not entries:
        return
    structural = ["", "base_model", "base_model.model"] if prefix else []
    internal: list[str] = []
    for name, row in state.wrapped_rows.items():
        internal += _internal_names(name, row)
    for name in state.saved:
        internal += [
            f"{name}.original_module",
            f"{name}.modules_to_save",
            f"{name}.modules_to_save.{ADAPTER}",
        ]
        internal += [
            f"{name}.{w}.{row.name[len(name) + 1 :]}"
            for w in ("original_module", f"modules_to_save.{ADAPTER}")
            for row in _subtree(inv, name)[1:]
        ]
    odd = structural + [prefix + n for n in internal] + [prefix + a for a in inv.aliases]
    if any(n.endswith(e) for n in odd for e in entries):
        raise NotCovered("modules_to_save hits a name other than a plain module")
    hits = [row for row in inv.modules if any((prefix + row.name).endswith(e) for e in entries)]
    for row in hits:
        if row.name in state.saved:
            continue  # already a ModulesToSaveWrapper: updated in place
        if row.name in state.wrapped_rows or row.kind == "container":
            raise NotCovered("modules_to_save hits a LoRA layer or a module container")
        for other in list(state.saved) + [h.name for h in hits if h is not row]:
            if _within(row.name, other) or _within(other, row.name):
                raise NotCovered("nested modules_to_save")
        for wrapped in list(state.wrapped_rows) + list(touched):
            if _within(wrapped, row.name) or _within(row.name, wrapped):
                raise NotCovered("modules_to_save around or inside a LoRA layer")
        if any(alias.startswith(row.name + ".") for alias in inv.aliases):
            raise NotCovered("modules_to_save copies a shared submodule")
        state.saved[row.name] = _copy_params(inv, row.name)


# ---------------------------------------------------------------------------------------------


def predict(inv: Inventory, kwargs: dict[str, Any], task_type: str | None = None) -> Prediction:
    """What ``get_peft_model`` would do, or ``NotCovered`` when only PEFT can tell."""
    prediction = Prediction(engine=ENGINE)
    cfg = _config(kwargs, task_type)
    if isinstance(cfg, Failure):
        prediction.failure = cfg
        return prediction
    try:
        return _inject(inv, cfg, prediction)
    except (re.error, RecursionError, OverflowError) as exc:
        raise NotCovered(f"regex: {exc}") from None


def _inject(inv: Inventory, cfg: _Config, prediction: Prediction) -> Prediction:
    if inv.moe_conversion in MOE_PATTERNS:
        raise NotCovered("transformers-v5 MoE config conversion")
    saved = list(cfg.saved) if cfg.saved is not None else None
    if cfg.task_type == "SEQ_CLS":
        saved = [*(saved or []), *SEQ_CLS_SAVED]
    target: set[str] | str | None = cfg.target
    if target is None:
        default = DEFAULT_TARGETS.get(inv.model_type)
        if default is not None:
            target = default if isinstance(default, str) else set(default)
        elif not cfg.target_parameters:
            prediction.failure = classify_failure(
                ValueError("Please specify `target_modules` or `target_parameters`in `peft_config`"), "inject"
            )
            return prediction
    keys = [row.name for row in inv.modules]
    if isinstance(target, str) and target.lower() == "all-linear":
        if inv.output_lookup_failed:
            raise NotCovered("get_output_embeddings() fails for this model")
        linear = {row.name for row in inv.modules if row.kind in LINEAR_KINDS}
        if inv.output_embedding is not None:
            linear.discard(inv.output_embedding)
        elif cfg.task_type == "SEQ_CLS" and inv.seq_cls_head is not None:
            linear.discard(inv.seq_cls_head)
        target = linear
        # No condensation: for full names without layers_to_transform (never allowed with a str
        # target) the condensed suffixes match exactly the same modules, and all-linear names always
        # exist, so PEFT's not-found message (which would print the set) cannot occur.
    elif isinstance(target, set) and len(target) >= MIN_CONDENSE:
        if "" in target:
            raise NotCovered("empty target name")
        memo_key = (id(inv), frozenset(target))
        memo = _CONDENSED.get(memo_key)
        if memo is not None and memo[0] is inv:
            smaller = set(memo[1])
        else:
            matched = _hits(inv, target)
            others = [""] + [k for k in keys if k not in matched]
            smaller = condense(target, others)
            _CONDENSED[memo_key] = (inv, frozenset(smaller))
        if len(smaller) < len(target):
            target = smaller

    target_hits = _hits(inv, target) if isinstance(target, set) else set()
    exclude_hits = _hits(inv, cfg.exclude) if isinstance(cfg.exclude, set) else set()
    state = _State(inv)
    excluded: list[str] = []
    unmatched: list[str] = []
    targeted: list[str] = []
    for row in inv.modules:
        found = _match(cfg, target, saved, row.name, target_hits, exclude_hits)
        if found == _EXCLUDED:
            excluded.append(row.name)
            continue
        if not found:
            unmatched.append(row.name)
            continue
        targeted.append(row.name)
        if inv.model_type in MAMBA_TYPES and row.name.rpartition(".")[2] in {"out_proj", "conv1d"}:
            raise NotCovered("Mamba incompatibility check")
        if not row.wrappable:
            text = inv.reprs.get(row.name)
            if text is None:
                raise NotCovered("no repr for an unsupported module")
            return _failed(prediction, ValueError(f"Target module {text}{UNSUPPORTED_TAIL}"))
        if row.kind == "mha":
            raise NotCovered("MultiheadAttention")
        r = _pattern_value(cfg.rank_pattern, row.name, cfg.r)
        alpha = _pattern_value(cfg.alpha_pattern, row.name, cfg.alpha)
        prediction.wrapped.append(Wrapped(row.name, None, int(r), float(alpha), _lora_params(row, r, cfg)))
        state.wrapped_rows[row.name] = row

    targeted_params: list[str] = []
    if cfg.target_parameters:
        targeted_params = _inject_parameters(inv, cfg, state, prediction)

    if not targeted and not targeted_params:
        notes = ""
        if cfg.layers is not None:
            notes += f" Note: You specified 'layers_to_transform': {cfg.layers}."
        if cfg.layers_pattern is not None:
            notes += f" You also specified 'layers_pattern': {cfg.layers_pattern}."
        if excluded and not unmatched:
            message = (
                "All modules were excluded. This is likely unintended. Check your `target_modules`, "
                "`exclude_modules` and `modules_to_save` configuration."
            )
        elif not excluded and unmatched and not target:
            message = (
                "No `target_modules` passed but also no `target_parameters` found. Please check the values "
                "for these arguments."
            )
        elif not excluded and unmatched:
            message = (
                f"Target modules {target} not found in the base model. Please check the target modules and "
                f"try again.{notes}"
            )
        else:
            message = (
                "No modules were targeted for adaptation. This might be caused by a combination of mismatched "
                "target modules and excluded modules. Please check your `target_modules` and `exclude_modules` "
                "configuration. You may also have only targeted modules that are marked to be saved "
                f"(`modules_to_save`).{notes}"
            )
        return _failed(prediction, NoMatchingPeftModuleError(message))

    touched = {w.module for w in prediction.wrapped if w.parameter is not None}
    _save_pass(state, saved or [], "", touched)
    if cfg.task_type in TASK_SAVED_AFTER or cfg.task_type == "SEQ_CLS":
        after = [*(saved or []), *TASK_SAVED_AFTER.get(cfg.task_type, ())]
        _save_pass(state, after, "base_model.model.", touched)
    _count(inv, cfg, state, prediction)
    return prediction


def _failed(prediction: Prediction, exc: Exception) -> Prediction:
    """PEFT raised: like the PEFT-backed predictor, report the failure and nothing wrapped."""
    prediction.wrapped = []
    prediction.saved = {}
    prediction.failure = classify_failure(exc, "inject")
    return prediction


def _inject_parameters(inv: Inventory, cfg: _Config, state: _State, prediction: Prediction) -> list[str]:
    assert cfg.target_parameters
    if cfg.dropout != 0 or cfg.fan_in_fan_out or cfg.lora_bias or cfg.dora:
        raise NotCovered("target_parameters with an option ParamWrapper rejects")
    names = sorted(set(cfg.target_parameters))
    name_set = frozenset(names)
    shapes = {f"{p.module}.{p.name}": p for p in inv.parameters}

    def hit(key: str) -> bool:
        return key in names or _dotted_suffix_in(key, name_set)

    for name, row in state.wrapped_rows.items():
        inner = [f"{name}.{p}" for p in ("weight", "bias")]
        inner += [n + ".weight" for n in _internal_names(name, row)]
        inner += [n + ".bias" for n in _internal_names(name, row)]
        if any(hit(k) for k in inner):
            raise NotCovered("target_parameters inside a LoRA layer")
    targeted: list[str] = []
    per_module: dict[str, list[Wrapped]] = {}
    for key in inv.param_names:
        if not hit(key):
            continue
        param = shapes.get(key)
        if param is None:
            raise NotCovered("target_parameters hits a parameter of a wrappable module or a 1-D one")
        shape = param.shape
        experts, dims = (shape[0], shape[1] + shape[2]) if len(shape) == 3 else (1, shape[0] + shape[1])
        r = _pattern_value(cfg.rank_pattern, key, cfg.r)
        alpha = _pattern_value(cfg.alpha_pattern, key, cfg.alpha)
        item = Wrapped(param.module, param.name, int(r), float(alpha), int(r) * experts * dims)
        per_module.setdefault(param.module, []).append(item)
        targeted.append(key)
    # Several parameters of one module nest ParamWrappers: the last one wrapped is the outermost.
    order = {row.name: i for i, row in enumerate(inv.modules)}
    merged = [(order.get(w.module, -1), 0, w) for w in prediction.wrapped]
    for module, items in per_module.items():
        merged += [(order.get(module, -1), 1, w) for w in reversed(items)]
    merged.sort(key=lambda t: (t[0], t[1]))
    prediction.wrapped = [w for _, _, w in merged]
    return targeted


def _count(inv: Inventory, cfg: _Config, state: _State, prediction: Prediction) -> None:
    lora = sum(w.params for w in prediction.wrapped)
    copies = sum(state.saved.values())
    bias = 0
    if cfg.bias == "all":
        for name, numel in inv.bias_params.items():
            if not any(_within(name.rpartition(".")[0], s) for s in state.saved):
                bias += numel
    elif cfg.bias == "lora_only":
        for w in prediction.wrapped:
            row = state.wrapped_rows.get(w.module)
            if w.parameter is not None or row is None:
                raise NotCovered("bias='lora_only' on a parameter wrapper")
            if row.has_bias:
                assert row.out_features is not None
                bias += row.out_features
    order = {row.name: i for i, row in enumerate(inv.modules)}
    prediction.saved = dict(sorted(state.saved.items(), key=lambda kv: order[kv[0]]))
    prediction.trainable = lora + copies + bias
    prediction.total = inv.total_params + lora + copies
    if not prediction.wrapped and not prediction.saved and prediction.trainable == 0:
        prediction.failure = Failure("no-match", "no module would be adapted")
