"""Build a model on PyTorch's meta device (no weights, no memory) and record its module table.

This is the only stage that imports torch and transformers. A model that needs remote code is
never built unless ``trust_remote_code`` was given on the command line.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import logging
import operator
import os
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from lora_lint.matching import layer_index
from lora_lint.models.completions import MAX_COMPLETIONS, Completion, complete
from lora_lint.models.roles import Role, classify

TASK_TO_AUTO = {
    "CAUSAL_LM": "AutoModelForCausalLM",
    "SEQ_CLS": "AutoModelForSequenceClassification",
    "SEQ_2_SEQ_LM": "AutoModelForSeq2SeqLM",
    "TOKEN_CLS": "AutoModelForTokenClassification",
    "QUESTION_ANS": "AutoModelForQuestionAnswering",
    "FEATURE_EXTRACTION": "AutoModel",
}
# Auto classes searched (in this order) for the class named in a config's ``architectures``.
AUTO_CLASSES = (
    "AutoModelForCausalLM",
    "AutoModelForSeq2SeqLM",
    "AutoModelForSequenceClassification",
    "AutoModelForTokenClassification",
    "AutoModelForQuestionAnswering",
    "AutoModelForMaskedLM",
    "AutoModelForImageTextToText",
    "AutoModelForVision2Seq",
    "AutoModelForMultipleChoice",
    "AutoModelForSpeechSeq2Seq",
    "AutoModelForPreTraining",
    "AutoModel",
)


class BuildError(Exception):
    """The model cannot be built; ``remote_code`` tells when trusting remote code would help."""

    def __init__(self, message: str, remote_code: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.remote_code = remote_code


@dataclass(frozen=True)
class ModuleRow:
    name: str
    cls: str
    wrappable: bool
    in_features: int | None = None
    out_features: int | None = None
    params: int = 0  # numel of the module's own parameters (not its children's)
    has_bias: bool = False
    is_leaf: bool = True
    kernel: tuple[int, ...] = ()  # conv kernel size
    groups: int = 1
    # How PEFT's dispatch sees the module: linear, conv1d_hf (transformers Conv1D), embedding,
    # conv1d/conv2d/conv3d, mha, container (ModuleList/ModuleDict/Parameter*), or "" for anything else.
    kind: str = ""


@dataclass(frozen=True)
class ParamRow:
    """A module parameter that ``target_parameters`` can wrap (e.g. fused MoE experts)."""

    module: str
    name: str
    shape: tuple[int, ...]
    is_transposed: bool = False


@dataclass
class Inventory:
    model_id: str
    model_type: str
    auto_class: str
    model_class: str
    modules: list[ModuleRow]
    parameters: list[ParamRow]
    param_names: list[str]
    total_params: int
    num_layers: int | None
    output_embedding: str | None
    input_embedding: str | None
    tied: dict[str, str] = field(default_factory=dict)
    key: str = ""
    # Facts the pure predictor needs (all JSON-serialisable; see ``to_dict``):
    # the head all-linear leaves out for SEQ_CLS when there is no output embedding,
    seq_cls_head: str | None = None
    # module names named_modules() drops as duplicates -> the first name,
    aliases: dict[str, str] = field(default_factory=dict)
    # parameters shared with an earlier module -> (the first name, numel),
    shared_params: dict[str, tuple[str, int]] = field(default_factory=dict)
    # parameters `bias="all"` makes trainable -> numel,
    bias_params: dict[str, int] = field(default_factory=dict)
    # non-wrappable modules -> their repr on one line, cut at 600 characters (PEFT's error text),
    reprs: dict[str, str] = field(default_factory=dict)
    # the transformers-v5 weight conversion pattern PEFT rewrites configs for.
    moe_conversion: str | None = None
    # get_output_embeddings() raised or returned a module outside the tree (all-linear then fails too).
    output_lookup_failed: bool = False
    # values the config left unset that lora-lint filled to build it (rule LL014), and why it had to.
    assumed: list[Completion] = field(default_factory=list)
    build_problem: str = ""
    _by_name: dict[str, ModuleRow] = field(default_factory=dict, repr=False)
    _roles: dict[str, Role] = field(default_factory=dict, repr=False)
    _names: list[str] = field(default_factory=list, repr=False, compare=False)
    _suffixes: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_name = {row.name: row for row in self.modules}
        self._names = [row.name for row in self.modules]

    @property
    def names(self) -> list[str]:
        return list(self._names)

    def suffix_hits(self, entry: str) -> list[str]:
        """Names equal to ``entry`` or ending in ``"." + entry`` (PEFT's list rule), in module order."""
        if self._suffixes is None:
            index: dict[str, list[str]] = {}
            for name in self._names:
                parts = name.split(".")
                for i in range(len(parts)):
                    index.setdefault(".".join(parts[i:]), []).append(name)
            self._suffixes = index
        return list(self._suffixes.get(entry, ()))

    def row(self, name: str) -> ModuleRow | None:
        return self._by_name.get(name)

    def role(self, name: str) -> Role:
        found = self._roles.get(name)
        if found is None:
            row = self._by_name.get(name)
            found = classify(name, row.cls if row else "", name == self.output_embedding)
            self._roles[name] = found
        return found

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; ``Inventory.from_dict`` reads it back."""
        return {
            "model_id": self.model_id,
            "model_type": self.model_type,
            "auto_class": self.auto_class,
            "model_class": self.model_class,
            "modules": [_row_values(row) for row in self.modules],
            "parameters": [[p.module, p.name, list(p.shape), p.is_transposed] for p in self.parameters],
            "param_names": self.param_names,
            "total_params": self.total_params,
            "num_layers": self.num_layers,
            "output_embedding": self.output_embedding,
            "input_embedding": self.input_embedding,
            "tied": self.tied,
            "key": self.key,
            "seq_cls_head": self.seq_cls_head,
            "aliases": self.aliases,
            "shared_params": {k: list(v) for k, v in self.shared_params.items()},
            "bias_params": self.bias_params,
            "reprs": self.reprs,
            "moe_conversion": self.moe_conversion,
            "output_lookup_failed": self.output_lookup_failed,
            "assumed": [c.to_dict() for c in self.assumed],
            "build_problem": self.build_problem,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Inventory:
        """The inverse of ``to_dict``; raises KeyError, TypeError or ValueError on a malformed dict."""
        rows = []
        for values in data["modules"]:
            if len(values) != len(_ROW_FIELDS):
                raise ValueError("module row of the wrong length")
            values[_KERNEL] = tuple(values[_KERNEL])
            rows.append(ModuleRow(*values))
        params = [
            ParamRow(m, n, tuple(int(x) for x in shape), bool(t)) for m, n, shape, t in data["parameters"]
        ]
        return cls(
            model_id=str(data["model_id"]),
            model_type=str(data["model_type"]),
            auto_class=str(data["auto_class"]),
            model_class=str(data["model_class"]),
            modules=rows,
            parameters=params,
            param_names=[str(n) for n in data["param_names"]],
            total_params=int(data["total_params"]),
            num_layers=data["num_layers"],
            output_embedding=data["output_embedding"],
            input_embedding=data["input_embedding"],
            tied=dict(data["tied"]),
            key=str(data["key"]),
            seq_cls_head=data["seq_cls_head"],
            aliases=dict(data["aliases"]),
            shared_params={k: (str(v[0]), int(v[1])) for k, v in data["shared_params"].items()},
            bias_params={str(k): int(v) for k, v in data["bias_params"].items()},
            reprs=dict(data["reprs"]),
            moe_conversion=data["moe_conversion"],
            output_lookup_failed=bool(data["output_lookup_failed"]),
            assumed=[Completion.from_dict(c) for c in data["assumed"]],
            build_problem=str(data["build_problem"]),
        )


_KERNEL = 8  # position of ModuleRow.kernel in a serialised row (see _ROW_FIELDS)


def _row_values(row: ModuleRow) -> list[Any]:
    values = list(_ROW_GETTER(row))
    values[_KERNEL] = list(values[_KERNEL])
    return values


_ROW_FIELDS = (
    "name",
    "cls",
    "wrappable",
    "in_features",
    "out_features",
    "params",
    "has_bias",
    "is_leaf",
    "kernel",
    "groups",
    "kind",
)
_ROW_GETTER = operator.attrgetter(*_ROW_FIELDS)


def config_key(config: dict[str, Any], auto_class: str, extra: str = "") -> str:
    text = json.dumps(config, sort_keys=True, default=str) + "|" + auto_class + "|" + extra
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    loggers = [logging.getLogger(n) for n in ("transformers", "peft", "torch", "accelerate")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


# Building is linear in the number of modules; a hostile config.json must not make it hang.
MAX_COUNT = 1024  # no real model has more layers or experts (2025: at most ~130 layers, 512 experts)
_COUNT_KEY = re.compile(r"(?:^|_)(?:layers?|experts?)$")


def check_sizes(config: dict[str, Any], where: str = "", depth: int = 0) -> None:
    """Refuse layer and expert counts no real model has (also in nested text/vision configs)."""
    for key, value in config.items():
        if isinstance(value, dict) and depth < 4:
            check_sizes(value, f"{where}{key}.", depth + 1)
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and value > MAX_COUNT
            and _COUNT_KEY.search(str(key))
        ):
            raise BuildError(
                f"`{where}{key}` is {value:,}, more than any real model has (limit {MAX_COUNT:,}); not built"
            )


def _remote_config(model_type: str, source_dir: str | None) -> Any:
    """The config class defined by a local model folder's own code (``auto_map``), with consent."""
    from transformers import AutoConfig

    if source_dir is None or not os.path.isdir(source_dir):
        raise BuildError(
            f"model_type `{model_type}` is defined by code in the model repository (`auto_map`); lora-lint "
            "runs such code only from a local model folder, with --trust-remote-code"
        )
    try:
        return AutoConfig.from_pretrained(source_dir, trust_remote_code=True)
    except Exception as exc:
        raise BuildError(f"the repository code of `{model_type}` failed: {_first_line(exc)}") from None


def _config_object(config: dict[str, Any], trust_remote_code: bool, source_dir: str | None = None) -> Any:
    from transformers import AutoConfig
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    model_type = config.get("model_type")
    if not isinstance(model_type, str) or not model_type:
        raise BuildError("config.json has no `model_type`")
    known = model_type in CONFIG_MAPPING
    if not known:
        if "auto_map" in config:
            if not trust_remote_code:
                raise BuildError(
                    f"model_type `{model_type}` is defined by code in the model repository "
                    "(`auto_map`), which lora-lint does not run",
                    remote_code=True,
                )
            return _remote_config(model_type, source_dir)
        raise BuildError(
            f"unknown model_type `{model_type}` for transformers; upgrade transformers or "
            "give a local config.json"
        )
    values = {
        k: v for k, v in config.items() if k not in {"model_type", "transformers_version", "_name_or_path"}
    }
    try:
        return AutoConfig.for_model(model_type, **values)
    except Exception as exc:
        raise BuildError(f"invalid {model_type} config: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    """The reason on one line; a first line that only introduces the next ("...:") keeps it."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    text = lines[0] if not lines[0].endswith(":") or len(lines) == 1 else f"{lines[0]} {lines[1]}"
    return text[:300]


def choose_auto_class(
    config_obj: Any, config: dict[str, Any], task_type: str | None, override: str | None
) -> str:
    """``--auto-class``, else the PEFT task type, else ``architectures``, else causal LM, else AutoModel."""
    import transformers

    if override:
        if not override.startswith("AutoModel") or not hasattr(transformers, override):
            raise BuildError(f"unknown auto class `{override}`")
        return override
    if task_type and task_type.upper() in TASK_TO_AUTO:
        return TASK_TO_AUTO[task_type.upper()]
    config_cls = type(config_obj)
    arch = config.get("architectures")
    arch_name = arch[0] if isinstance(arch, list) and arch and isinstance(arch[0], str) else None
    supported: list[str] = []
    for auto_name in _auto_class_names():
        if supported and auto_name not in AUTO_CLASSES:
            break
        auto_cls = getattr(transformers, auto_name, None)
        mapping = getattr(auto_cls, "_model_mapping", None)
        if mapping is None:
            continue
        try:
            model_cls = mapping[config_cls]
        except (KeyError, ValueError, ImportError, AttributeError):
            continue
        classes = model_cls if isinstance(model_cls, (list, tuple)) else [model_cls]
        if arch_name and any(getattr(c, "__name__", "") == arch_name for c in classes):
            return auto_name
        supported.append(auto_name)
    if "AutoModelForCausalLM" in supported:
        return "AutoModelForCausalLM"
    if supported:
        return "AutoModel" if "AutoModel" in supported else supported[0]
    raise BuildError(f"transformers has no model class for `{config.get('model_type')}`")


class MetaBuild(NamedTuple):
    """A model built on the meta device, the auto class used, and any values lora-lint assumed."""

    model: Any
    auto_class: str
    completions: tuple[Completion, ...] = ()
    problem: str = ""  # why the config could not be built as written, when completions were needed


def _auto_class_names() -> tuple[str, ...]:
    """The usual auto classes first (in order), then every other task head transformers has
    (depth estimation, object detection, text-to-waveform, ...), for types none of the usual ones cover."""
    import transformers

    others = sorted(
        n
        for n in dir(transformers)
        if (n.startswith("AutoModelFor") or n == "AutoBackbone") and n not in AUTO_CLASSES
    )
    return (*AUTO_CLASSES, *others)


def build_meta_model(
    config: dict[str, Any],
    *,
    task_type: str | None = None,
    auto_class: str | None = None,
    trust_remote_code: bool = False,
    source_dir: str | None = None,
) -> MetaBuild:
    """The model on the meta device, and the auto class used."""
    check_sizes(config)  # before importing torch: a refusal should be instant
    with _quiet():
        config_obj = _config_object(config, trust_remote_code, source_dir)
        remote = bool(
            trust_remote_code
            and isinstance(config.get("auto_map"), dict)
            and config.get("model_type") not in _known_types()
        )
        if remote:
            return MetaBuild(
                _build_remote(config_obj, config, task_type, auto_class),
                _remote_auto(config, task_type, auto_class),
            )
        chosen = choose_auto_class(config_obj, config, task_type, auto_class)
        first_error: BuildError | None = None
        for candidate in (chosen, *_fallback_auto_classes(config_obj, config, task_type, auto_class, chosen)):
            try:
                model, completions, problem = _build_completing(candidate, copy.deepcopy(config_obj))
            except BuildError:
                raise
            except Exception as exc:
                first_error = first_error or BuildError(
                    f"cannot build {config.get('model_type')} with {candidate}: {_first_line(exc)}"
                )
                continue
            model.eval()
            return MetaBuild(model, candidate, completions, problem)
    assert first_error is not None
    raise first_error


def _build_completing(candidate: str, config_obj: Any) -> tuple[Any, tuple[Completion, ...], str]:
    """Build with one auto class; on a failure a conventional value explains, fill it and retry."""
    completions: list[Completion] = []
    problem = ""
    while True:
        try:
            return _from_config(candidate, config_obj), tuple(completions), problem
        except BuildError:
            raise
        except Exception as exc:
            try:
                found = complete(config_obj, exc) if len(completions) < MAX_COMPLETIONS else []
            except Exception:
                found = []  # a config that even refuses inspection: report the build error itself
            if not found:
                raise
            problem = problem or f"{type(exc).__name__}: {_first_line(exc)}"
            completions.extend(found)


def _from_config(candidate: str, config_obj: Any) -> Any:
    """``AutoModel*.from_config`` on the meta device, or the mapped class itself where transformers'
    own lookup disagrees with its mapping (a config class listed under two model types)."""
    import torch
    import transformers

    auto_cls = getattr(transformers, candidate)
    mapping = auto_cls._model_mapping
    with torch.device("meta"):
        if type(config_obj) not in mapping:
            model_cls: Any = None
            with contextlib.suppress(KeyError, ValueError, ImportError, AttributeError):
                model_cls = mapping[type(config_obj)]
            build_from = getattr(model_cls, "_from_config", None)
            if isinstance(model_cls, type) and callable(build_from):
                return build_from(config_obj)
        return auto_cls.from_config(config_obj, trust_remote_code=False)


def _known_types() -> Any:
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    return CONFIG_MAPPING


def _remote_auto(config: dict[str, Any], task_type: str | None, override: str | None) -> str:
    auto_map = config.get("auto_map") or {}
    wanted = override or (TASK_TO_AUTO.get(task_type.upper()) if task_type else None)
    for name in (wanted, "AutoModelForCausalLM", "AutoModel"):
        if name and name in auto_map:
            return name
    raise BuildError("the model repository's `auto_map` names no model class lora-lint can build")


def _build_remote(
    config_obj: Any, config: dict[str, Any], task_type: str | None, override: str | None
) -> Any:
    import torch
    import transformers

    chosen = _remote_auto(config, task_type, override)
    try:
        with torch.device("meta"):
            model = getattr(transformers, chosen).from_config(config_obj, trust_remote_code=True)
    except Exception as exc:
        raise BuildError(f"the repository code failed to build the model: {_first_line(exc)}") from None
    model.eval()
    return model


def _fallback_auto_classes(
    config_obj: Any, config: dict[str, Any], task_type: str | None, override: str | None, chosen: str
) -> list[str]:
    """Other auto classes to try when the guessed one fails to build, for a config that names none.

    Only when nothing asked for a class (no ``--auto-class``, no task type, no ``architectures``):
    then the guess was lora-lint's own, and another head of the same model is a better answer than
    none (the auto class is reported with the result).
    """
    import transformers

    if override or (task_type and task_type.upper() in TASK_TO_AUTO) or config.get("architectures"):
        return []
    out: list[str] = []
    for name in ("AutoModel", *_auto_class_names()):
        mapping = getattr(getattr(transformers, name, None), "_model_mapping", None)
        if name == chosen or name in out or mapping is None:
            continue
        try:
            mapping[type(config_obj)]
        except (KeyError, ValueError, ImportError, AttributeError):
            continue
        out.append(name)
    return out


def _wrappable_types() -> tuple[type, ...]:
    from torch import nn
    from transformers.pytorch_utils import Conv1D

    return (nn.Linear, nn.Embedding, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.MultiheadAttention, Conv1D)


def _row(name: str, module: Any, wrappable: tuple[type, ...]) -> ModuleRow:
    from torch import nn
    from transformers.pytorch_utils import Conv1D

    own = sum(p.numel() for p in module.parameters(recurse=False))
    is_leaf = next(iter(module.children()), None) is None
    cls = type(module).__name__
    ok = isinstance(module, wrappable)
    bias = getattr(module, "bias", None)
    has_bias = bias is not None and not isinstance(bias, bool)
    if isinstance(module, Conv1D):
        in_f, out_f = module.weight.shape
        return ModuleRow(name, cls, ok, int(in_f), int(out_f), own, has_bias, is_leaf, kind="conv1d_hf")
    if isinstance(module, nn.Linear):
        return ModuleRow(
            name, cls, ok, module.in_features, module.out_features, own, has_bias, is_leaf, kind="linear"
        )
    if isinstance(module, nn.Embedding):
        return ModuleRow(
            name, cls, ok, module.num_embeddings, module.embedding_dim, own, False, is_leaf, kind="embedding"
        )
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        kind = (
            "conv2d"
            if isinstance(module, nn.Conv2d)
            else "conv3d"
            if isinstance(module, nn.Conv3d)
            else "conv1d"
        )
        return ModuleRow(
            name,
            cls,
            ok,
            module.in_channels,
            module.out_channels,
            own,
            has_bias,
            is_leaf,
            tuple(int(k) for k in module.kernel_size),
            int(module.groups),
            kind,
        )
    if isinstance(module, nn.MultiheadAttention):
        return ModuleRow(
            name,
            cls,
            ok,
            module.embed_dim,
            module.embed_dim,
            own,
            module.in_proj_bias is not None,
            False,
            kind="mha",
        )
    containers = (nn.ModuleList, nn.ModuleDict, nn.ParameterList, nn.ParameterDict)
    kind = "container" if isinstance(module, containers) else ""
    return ModuleRow(name, cls, ok, None, None, own, has_bias, is_leaf, kind=kind)


def _name_of(model: Any, target: Any) -> str | None:
    if target is None:
        return None
    for name, module in model.named_modules():
        if module is target:
            return name
    return None


def inventory_of(model: Any, model_id: str, auto_class: str, key: str = "") -> Inventory:
    wrappable = _wrappable_types()
    rows: list[ModuleRow] = []
    params: list[ParamRow] = []
    param_names: list[str] = []
    for name, module in model.named_modules():
        if not name:
            continue
        rows.append(_row(name, module, wrappable))
        transposed = bool(getattr(module, "is_transposed", False))
        for pname, param in module.named_parameters(recurse=False):
            param_names.append(f"{name}.{pname}")
            if param.dim() == 3 or (param.dim() == 2 and not isinstance(module, wrappable)):
                params.append(ParamRow(name, pname, tuple(int(s) for s in param.shape), transposed))
    total = sum(p.numel() for p in model.parameters())
    output, output_ok = _embedding(model, "get_output_embeddings")
    inputs, _ = _embedding(model, "get_input_embeddings")
    # Tied weights are parameters shared by identity (transformers' _tied_weights_keys only says which
    # weights *may* be tied; whether they are depends on the config).
    first_name: dict[int, str] = {}
    tied: dict[str, str] = {}
    for pname, param in model.named_parameters(remove_duplicate=False):
        owner = first_name.setdefault(id(param), pname)
        if owner != pname:
            tied[pname] = owner
    indices = {layer_index(row.name, None) for row in rows if row.wrappable}
    indices.discard(None)
    num_layers = max(i for i in indices if i is not None) + 1 if indices else None
    config = getattr(model, "config", None)
    model_type = str(getattr(config, "model_type", ""))
    facts = _peft_facts(model, output, wrappable)
    facts["output_lookup_failed"] = not output_ok
    return Inventory(
        model_id=model_id,
        model_type=model_type,
        auto_class=auto_class,
        model_class=type(model).__name__,
        modules=rows,
        parameters=params,
        param_names=param_names,
        total_params=int(total),
        num_layers=num_layers,
        output_embedding=output,
        input_embedding=inputs,
        tied=tied,
        key=key,
        moe_conversion=_moe_conversion(model_type),
        **facts,
    )


def _embedding(model: Any, method: str) -> tuple[str | None, bool]:
    """The module name ``model.<method>()`` returns; False when it raises or names no submodule."""
    getter = getattr(model, method, None)
    if getter is None:
        return None, True
    try:
        found = getter()
    except Exception:
        return None, False
    name = _name_of(model, found)
    return name, found is None or name is not None


def _one_line(module: Any) -> str | None:
    """``repr(module)`` on one line (as PEFT's error text has it); None when repr itself fails on meta."""
    try:
        return " ".join(repr(module).split())[:600]
    except Exception:
        return None


def _peft_facts(model: Any, output: str | None, wrappable: tuple[type, ...]) -> dict[str, Any]:
    """What PEFT's matching, counting and error messages see beyond the module rows."""
    names = {id(m): n for n, m in model.named_modules()}
    aliases = {
        n: names[id(m)] for n, m in model.named_modules(remove_duplicate=False) if names.get(id(m)) != n
    }
    first_param: dict[int, str] = {}
    shared: dict[str, tuple[str, int]] = {}
    for name, module in model.named_modules():
        for pname, param in module.named_parameters(recurse=False):
            full = f"{name}.{pname}" if name else pname
            if id(param) in first_param:
                shared[full] = (first_param[id(param)], int(param.numel()))
            else:
                first_param[id(param)] = full
    bias = {n: int(p.numel()) for n, p in model.named_parameters() if n == "bias" or n.endswith(".bias")}
    reprs = {n: _one_line(m) for n, m in model.named_modules() if n and not isinstance(m, wrappable)}
    reprs = {n: text for n, text in reprs.items() if text is not None}
    seq_head = None
    if output is None:
        for attr in ("score", "classifier"):  # PEFT's SEQ_CLS_HEAD_NAMES, in its order
            head = getattr(model, attr, None)
            if head is not None:
                seq_head = names.get(id(head))
                break
    return {
        "aliases": aliases,
        "shared_params": shared,
        "bias_params": bias,
        "reprs": reprs,
        "seq_cls_head": seq_head,
    }


def _moe_conversion(model_type: str) -> str | None:
    """The transformers-v5 checkpoint conversion pattern of ``model_type``, if it has one."""
    try:
        from transformers.conversion_mapping import (
            _MODEL_TO_CONVERSION_PATTERN,
            get_checkpoint_conversion_mapping,
        )
    except ImportError:  # transformers v4: no conversions
        return None
    pattern = "mixtral" if model_type == "mixtral" else _MODEL_TO_CONVERSION_PATTERN.get(model_type)
    try:
        found = get_checkpoint_conversion_mapping(model_type)
    except Exception:
        return pattern
    return pattern if found is not None else None


class Built:
    """An inventory and its meta-device model; the model is built only when first asked for.

    A warm run reads the inventory from the on-disk cache and never needs the model (so never
    imports torch); ``loader`` builds it for the PEFT-backed predictor.
    """

    def __init__(self, model: Any, inventory: Inventory, loader: Callable[[], Any] | None = None) -> None:
        self._model = model
        self.inventory = inventory
        self._loader = loader
        self.cache_key: str | None = None  # the on-disk cache key (lint.Session sets it)

    @property
    def model(self) -> Any:
        if self._model is None and self._loader is not None:
            self._model = self._loader()
            self._loader = None
        return self._model

    @property
    def has_model(self) -> bool:
        return self._model is not None

    def fresh_model(self) -> Any:
        return copy.deepcopy(self.model)


def build(
    config: dict[str, Any],
    model_id: str,
    *,
    task_type: str | None = None,
    auto_class: str | None = None,
    trust_remote_code: bool = False,
    source_dir: str | None = None,
) -> Built:
    built = build_meta_model(
        config,
        task_type=task_type,
        auto_class=auto_class,
        trust_remote_code=trust_remote_code,
        source_dir=source_dir,
    )
    inventory = inventory_of(built.model, model_id, built.auto_class, config_key(config, built.auto_class))
    inventory.assumed = list(built.completions)
    inventory.build_problem = built.problem
    return Built(built.model, inventory)
