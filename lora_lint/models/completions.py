"""Conventional values for what a model config leaves unset, so its structure can still be built.

Some configs (transformers' own defaults for a few model types among them) leave a value unset that the
model code then reads: ``head_dim: null``, ``num_key_value_heads: null``, a dropout rate or ``rope_theta``
a sub-config lacks, a tuple where the code expects a list. transformers cannot build such a config, and
neither can training. lora-lint fills the value by the convention transformers follows elsewhere, builds
the structure to check the targets, and reports what it assumed (rule LL014).

Each completion is chosen from the build error itself; the caller retries the build a few times. Nothing here runs code from a config or guesses a size that has no convention.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MAX_COMPLETIONS = 8  # values filled for one build, at most
DEFAULT_ROPE_THETA = 10000.0
_MISSING_ATTR = re.compile(r"'(\w+)' object has no attribute '(\w+)'")
_DROPOUT = re.compile(r"(?:^|_)(?:dropout(?:_rate|_prob)?|pdrop|layerdrop)$")


@dataclass(frozen=True)
class Completion:
    """One value lora-lint set: where in the config, what, by which convention, and whether shapes depend on it."""

    where: str
    value: Any
    why: str
    shapes: bool  # True when module shapes (and so parameter counts) depend on the assumed value

    def to_dict(self) -> dict[str, Any]:
        return {"where": self.where, "value": self.value, "why": self.why, "shapes": self.shapes}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Completion:
        return cls(str(data["where"]), data["value"], str(data["why"]), bool(data["shapes"]))


def _nodes(config: Any, path: str = "", depth: int = 0) -> Iterator[tuple[str, Any]]:
    """The config and its nested sub-configs, with their dotted paths (root first)."""
    from transformers import PretrainedConfig

    yield path, config
    if depth >= 3:
        return
    for name, value in sorted(vars(config).items()):
        if isinstance(value, PretrainedConfig) and not name.startswith("_"):
            yield from _nodes(value, f"{path}{name}.", depth + 1)


def _get(node: Any, name: str) -> Any:
    """``getattr`` that never raises (some configs refuse to answer a global value)."""
    try:
        return getattr(node, name, None)
    except Exception:
        return None


def _int(node: Any, name: str) -> int | None:
    value = _get(node, name)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _head_dim(node: Any) -> int | None:
    hidden, heads = _int(node, "hidden_size"), _int(node, "num_attention_heads")
    return hidden // heads if hidden and heads and hidden % heads == 0 else None


def _rope_theta(root: Any) -> float:
    params = _get(root, "rope_parameters")
    theta = params.get("rope_theta") if isinstance(params, dict) else None
    return (
        float(theta)
        if isinstance(theta, (int, float)) and not isinstance(theta, bool)
        else DEFAULT_ROPE_THETA
    )


def _by_convention(root: Any, node: Any, name: str) -> tuple[Any, str, bool] | None:
    """(value, convention, shapes depend on it) for attribute ``name`` of ``node``, if there is one."""
    if _DROPOUT.search(name):
        return 0.0, "no dropout; dropout has no parameters", False
    if name == "rope_theta":
        return (
            _rope_theta(root),
            "the model's rope_theta, else 10000; rotary embeddings have no parameters",
            False,
        )
    if name == "head_dim" and (value := _head_dim(node)) is not None:
        return value, "hidden_size // num_attention_heads, transformers' usual default", True
    if name == "num_key_value_heads" and (value := _int(node, "num_attention_heads")) is not None:
        return value, "num_attention_heads (no grouped-query attention), transformers' usual default", True
    return None


def _set(path: str, node: Any, name: str, found: tuple[Any, str, bool]) -> Completion:
    value, why, shapes = found
    setattr(node, name, value)
    return Completion(f"{path}{name}", value, why, shapes)


def _tuples_as_lists(config: Any) -> list[Completion]:
    changed = []
    for path, node in _nodes(config):
        for name, value in list(vars(node).items()):
            if isinstance(value, tuple) and not name.startswith("_"):
                setattr(node, name, list(value))
                changed.append(
                    Completion(f"{path}{name}", list(value), "a list, as a saved config.json has it", False)
                )
    return changed


def complete(config: Any, exc: BaseException) -> list[Completion]:
    """Fill the values the build error ``exc`` points at, in place; empty when no convention applies."""
    text = str(exc)
    missing = _MISSING_ATTR.search(text) if isinstance(exc, AttributeError) else None
    if missing is not None:
        owner, name = missing.groups()
        for path, node in _nodes(config):
            if type(node).__name__ == owner and not hasattr(node, name):
                found = _by_convention(config, node, name)
                return [_set(path, node, name, found)] if found else []
        return []
    if isinstance(exc, TypeError) and "NoneType" in text:
        for name in ("head_dim", "num_key_value_heads"):
            for path, node in _nodes(config):
                if name in vars(node) and vars(node)[name] is None:
                    found = _by_convention(config, node, name)
                    if found:
                        return [_set(path, node, name, found)]
        return []
    if isinstance(exc, TypeError) and "tuple" in text:
        return _tuples_as_lists(config)
    if isinstance(exc, KeyError) and exc.args and isinstance(exc.args[0], str):
        return _rope_for_layer_type(config, exc.args[0])
    return []


def _rope_for_layer_type(config: Any, layer_type: str) -> list[Completion]:
    """transformers v5 keys ``rope_parameters`` by layer type when a model mixes attention kinds."""
    for path, node in _nodes(config):
        params = vars(node).get("rope_parameters")
        layer_types = _get(node, "layer_types")
        if isinstance(params, dict) and layer_type not in params and layer_type in (layer_types or ()):
            value = {"rope_type": "default", "rope_theta": _rope_theta(config)}
            params[layer_type] = value
            why = "default rotary embedding; it has no parameters"
            return [Completion(f"{path}rope_parameters.{layer_type}", value, why, False)]
    return []


def describe(assumed: list[Completion]) -> str:
    """What was assumed, and whether module shapes depend on it, as one clause for a message."""
    values = "; ".join(f"`{c.where}` = {json.dumps(c.value)} ({c.why})" for c in assumed)
    shaped = ", ".join(f"`{c.where}`" for c in assumed if c.shapes)
    if shaped:
        return f"{values}; module shapes and parameter counts hold only if the model really uses {shaped} as assumed"
    return f"{values}; no module name or shape depends on it"
