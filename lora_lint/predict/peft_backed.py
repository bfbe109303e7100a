"""Exact by construction: apply the config with PEFT's own ``get_peft_model`` to a meta-device copy.

``low_cpu_mem_usage=True`` creates the adapter weights on the meta device as well, so nothing is
allocated; counts come from PEFT's ``get_nb_trainable_parameters``.
"""

from __future__ import annotations

import contextlib
import copy
import io
import logging
import warnings
from typing import Any

from lora_lint.models.inventory import Built
from lora_lint.predict.base import Failure, Prediction, Wrapped, classify_failure

ENGINE = "peft"
ADAPTER = "default"


def make_config(kwargs: dict[str, Any], task_type: str | None) -> Any:
    from peft import LoraConfig

    values = copy.deepcopy(kwargs)
    if task_type is not None:
        values["task_type"] = task_type
    elif "task_type" in values and values["task_type"] is None:
        del values["task_type"]
    return LoraConfig(**values)


def _lora_params(layer: Any) -> int:
    return sum(
        p.numel() for n, p in layer.named_parameters() if p.requires_grad and not n.startswith("base_layer.")
    )


def _collect(peft_model: Any) -> tuple[list[Wrapped], dict[str, int]]:
    from peft.tuners.lora import ParamWrapper
    from peft.tuners.tuners_utils import BaseTunerLayer
    from peft.utils.other import ModulesToSaveWrapper

    inner = peft_model.base_model.model
    wrapped: list[Wrapped] = []
    saved: dict[str, int] = {}
    for name, module in inner.named_modules():
        if isinstance(module, ModulesToSaveWrapper):
            copy_ = module.modules_to_save[ADAPTER]
            saved[name] = sum(p.numel() for p in copy_.parameters())
            continue
        if not isinstance(module, BaseTunerLayer) or ADAPTER not in getattr(module, "r", {}):
            continue
        parameter = None
        owner = name
        if isinstance(module, ParamWrapper):
            parameter = module.parameter_name
            while owner.endswith(".base_layer"):
                owner = owner[: -len(".base_layer")]
        lora: Any = module  # a LoRA layer: r and lora_alpha are per-adapter dicts
        r = int(lora.r[ADAPTER])
        alpha = lora.lora_alpha[ADAPTER]
        wrapped.append(Wrapped(owner, parameter, r, float(alpha), int(_lora_params(module))))
    return wrapped, saved


def moe_renames(model_type: str, target_modules: Any) -> dict[str, str]:
    """Entries that PEFT rewrites into ``target_parameters`` for transformers-v5 fused MoE experts."""
    if not isinstance(target_modules, (list, tuple, set)):
        return {}
    try:
        from peft.utils import transformers_weight_conversion as conv

        pattern = conv._MODEL_TO_CONVERSION_PATTERN.get(model_type)
        mapping: dict[str, str] = conv._MOE_TARGET_MODULE_MAPPING.get(pattern, {}) if pattern else {}
    except (ImportError, AttributeError):
        return {}
    out: dict[str, str] = {}
    for entry in map(str, target_modules):
        for old, new in mapping.items():
            if entry == old or entry.endswith("." + old):
                out[entry] = new
                break
    return out


def predict(built: Built, kwargs: dict[str, Any], task_type: str | None = None) -> Prediction:
    prediction = Prediction(engine=ENGINE)
    prediction.renamed = moe_renames(built.inventory.model_type, kwargs.get("target_modules"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            config = make_config(kwargs, task_type)
    except Exception as exc:
        prediction.failure = classify_failure(exc, "config")
        return prediction
    from peft import get_peft_model

    model = built.fresh_model()
    logger = logging.getLogger("peft")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("always")
            peft_model = get_peft_model(model, config, low_cpu_mem_usage=True)
            trainable, total = peft_model.get_nb_trainable_parameters()
    except Exception as exc:
        prediction.failure = classify_failure(exc, "inject")
        return prediction
    finally:
        logger.setLevel(level)
    prediction.warnings = _peft_warnings(caught)
    prediction.wrapped, prediction.saved = _collect(peft_model)
    prediction.trainable, prediction.total = int(trainable), int(total)
    if not prediction.wrapped and not prediction.saved and trainable == 0:
        prediction.failure = Failure("no-match", "no module would be adapted")
    return prediction


def _peft_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    out: list[str] = []
    for item in caught:
        module = getattr(item, "filename", "") or ""
        if "peft" not in module:
            continue
        text = " ".join(str(item.message).split())
        if text not in out:
            out.append(text)
    return out
