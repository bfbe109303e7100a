"""The on-disk cache: model inventories and resolved hub config.json files.

A warm run reads a model's inventory from here instead of building the model on the meta device,
so it never imports torch, transformers or peft. Layout under the cache folder
(``LORA_LINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/lora-lint``, else ``~/.cache/lora-lint``)::

    inventories/<key>.json   one model: the resolved config's content, the auto class, the task
                             type and the versions of torch, transformers, peft and lora-lint
                             make up the key; a build error is cached the same way
    configs/<key>.json       one hub model id (and revision): its config.json and where it came from
    predictions/<key>.json   one PEFT-backed prediction (a config the pure matcher leaves to PEFT):
                             the inventory's key plus the LoraConfig arguments and task type

Every write goes to a temporary file in the same folder and is then renamed over the entry
(``os.replace`` is atomic), so a reader sees a whole entry or none, and two processes writing the
same entry at once both leave a whole one. An entry that does not parse, is cut short, or was
written for another key or format is ignored (and rebuilt by the caller).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from lora_lint.models.inventory import BuildError, Inventory
from lora_lint.predict.base import Failure, Prediction, Wrapped
from lora_lint.report.versions import tools

FORMAT = 2
INVENTORIES = "inventories"
CONFIGS = "configs"
PREDICTIONS = "predictions"
KINDS = (INVENTORIES, CONFIGS, PREDICTIONS)
ENV_DIR = "LORA_LINT_CACHE_DIR"


def cache_dir() -> Path:
    explicit = os.environ.get(ENV_DIR, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "lora-lint"


def _digest(payload: dict[str, Any]) -> str:
    try:
        text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    except TypeError:  # keys of mixed types (YAML `rank_pattern: {1: 4, q_proj: 8}`) do not sort
        text = json.dumps(_repr_keys(payload), sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _repr_keys(value: Any) -> Any:
    """Every mapping key as its repr, so 1 and "1" stay distinct and all keys sort."""
    if isinstance(value, dict):
        return {repr(k): _repr_keys(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_repr_keys(v) for v in value]
    return value


@lru_cache(maxsize=4)
def _source_digest(module: str) -> str:
    """A module's own source, so changed code never reads what older code wrote."""
    import importlib.util

    spec = importlib.util.find_spec(module)
    try:
        return hashlib.sha256(Path(str(spec.origin if spec else "")).read_bytes()).hexdigest()[:16]
    except OSError:
        return ""


def inventory_key(
    config: dict[str, Any], auto_class: str | None, task_type: str | None, trust_remote_code: bool = False
) -> str:
    """The cache key of one model build: everything the build's outcome depends on."""
    return _digest(
        {
            "format": FORMAT,
            "config": config,
            "auto_class": auto_class,
            "task_type": task_type,
            "trust_remote_code": trust_remote_code,
            "versions": tools(),
            "builder": _source_digest("lora_lint.models.inventory"),
        }
    )


def config_key(model_id: str, revision: str | None) -> str:
    # lora-lint's version and the catalogue's source are in the key because catalogue answers are kept too.
    return _digest(
        {
            "format": FORMAT,
            "model_id": model_id,
            "revision": revision,
            "lora_lint": tools()["lora_lint"],
            "catalogue": _source_digest("lora_lint.models.catalogue"),
        }
    )


def prediction_key(inventory_key: str, kwargs: dict[str, Any], task_type: str | None) -> str:
    return _digest(
        {
            "format": FORMAT,
            "inventory": inventory_key,
            "kwargs": kwargs,
            "task_type": task_type,
            "predictor": _source_digest("lora_lint.predict.peft_backed"),
        }
    )


def _path(kind: str, key: str, root: Path | None = None) -> Path:
    return (root or cache_dir()) / kind / f"{key}.json"


def _read(kind: str, key: str) -> dict[str, Any] | None:
    try:
        with open(_path(kind, key), encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
        return None
    return data


def _write(kind: str, key: str, data: dict[str, Any]) -> bool:
    """Write one entry atomically; False (and no exception) when the cache folder is not writable."""
    target = _path(kind, key)
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"format": FORMAT, "key": key, **data}, handle, separators=(",", ":"))
        os.replace(tmp, target)
        return True
    except (OSError, TypeError, ValueError):
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return False


def load_inventory(key: str) -> Inventory | BuildError | None:
    """The cached build outcome for ``key``: an inventory, a build error, or None when not cached."""
    data = _read(INVENTORIES, key)
    if data is None:
        return None
    try:
        if "error" in data:
            error = data["error"]
            return BuildError(str(error["message"]), bool(error["remote_code"]))
        return Inventory.from_dict(data["inventory"])
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def lasting(error: BuildError) -> bool:
    """Whether a build error is worth caching: not one that installing a package could fix."""
    text = error.message.lower()
    return not any(word in text for word in ("install", "no module named", "requires the", "import"))


def store_inventory(key: str, outcome: Inventory | BuildError) -> bool:
    if isinstance(outcome, BuildError):
        return _write(
            INVENTORIES, key, {"error": {"message": outcome.message, "remote_code": outcome.remote_code}}
        )
    return _write(INVENTORIES, key, {"versions": tools(), "inventory": outcome.to_dict()})


def load_config(model_id: str, revision: str | None = None) -> tuple[str, dict[str, Any], str | None] | None:
    """A cached hub config.json: ``(source, config, location)``, or None."""
    data = _read(CONFIGS, config_key(model_id, revision))
    if data is None or data.get("model_id") != model_id:
        return None
    config, source, location = data.get("config"), data.get("source"), data.get("location")
    if not isinstance(config, dict) or not isinstance(source, str):
        return None
    return source, config, location if isinstance(location, str) else None


def store_config(
    model_id: str, revision: str | None, source: str, config: dict[str, Any], location: str | None
) -> bool:
    return _write(
        CONFIGS,
        config_key(model_id, revision),
        {"model_id": model_id, "source": source, "config": config, "location": location},
    )


def load_prediction(key: str) -> Prediction | None:
    """A cached PEFT-backed prediction; every field of ``Prediction`` is kept (see store_prediction)."""
    data = _read(PREDICTIONS, key)
    if data is None:
        return None
    try:
        found = dict(data["prediction"])
        names = {f.name for f in dataclasses.fields(Prediction)}
        if set(found) != names:  # written by a different Prediction: rebuild
            return None
        found["wrapped"] = [Wrapped(*item) for item in found["wrapped"]]
        found["failure"] = Failure(*found["failure"]) if found["failure"] else None
        return Prediction(**found)
    except (KeyError, TypeError, ValueError):
        return None


def store_prediction(key: str, prediction: Prediction) -> bool:
    values = {f.name: getattr(prediction, f.name) for f in dataclasses.fields(Prediction)}
    values["wrapped"] = [dataclasses.astuple(w) for w in prediction.wrapped]
    failure = prediction.failure
    values["failure"] = dataclasses.astuple(failure) if failure else None
    return _write(PREDICTIONS, key, {"prediction": values})


def info(root: Path | None = None) -> dict[str, Any]:
    """Where the cache is, and how many entries and bytes of each kind it holds."""
    root = root or cache_dir()
    out: dict[str, Any] = {"path": str(root), "exists": root.is_dir()}
    total = 0
    for kind in KINDS:
        entries = [p for p in (root / kind).glob("*.json") if p.is_file()] if (root / kind).is_dir() else []
        size = sum(p.stat().st_size for p in entries)
        out[kind] = {"entries": len(entries), "bytes": size}
        total += size
    out["bytes"] = total
    return out


def clear(root: Path | None = None) -> int:
    """Remove every entry (and only lora-lint's own folders); the number of entries removed."""
    root = root or cache_dir()
    removed = 0
    for kind in KINDS:
        folder = root / kind
        if folder.is_dir():
            removed += sum(1 for p in folder.glob("*.json") if not p.name.startswith(".tmp-"))
            shutil.rmtree(folder, ignore_errors=True)
    return removed
