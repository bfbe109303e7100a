"""Model id -> config.json contents. Sources, in order: mapping, local, HF cache, catalogue, hub.

Nothing here imports torch. The hub is asked for ``config.json`` only, never weights, and only
when not offline (``--offline`` or ``HF_HUB_OFFLINE=1``).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lora_lint.models import catalogue

_HUB_ID = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:/[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)?$"
)
HUB_TIMEOUT_S = 10.0
MAX_CONFIG_BYTES = 5 * 1024 * 1024

SOURCES = ("local", "cache", "catalogue", "hub", "mapping", "unresolved")


@dataclass
class ResolvedModel:
    id: str
    source: str
    config: dict[str, Any] | None = None
    location: str | None = None
    problem: str | None = None
    tried: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.config is not None


def is_hub_id(model_id: str) -> bool:
    return bool(_HUB_ID.match(model_id)) and ".." not in model_id and "--" not in model_id


def env_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ValueError(f"{path} is not a regular file")
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise ValueError(f"{path} is larger than {MAX_CONFIG_BYTES:,} bytes")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except RecursionError:
        raise ValueError(f"{path} is nested too deeply") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return data


def _local_candidate(model_id: str, base_dirs: list[Path]) -> Path | None:
    try:
        raw = Path(model_id).expanduser()
    except RuntimeError:  # `~user` with no such user
        raw = Path(model_id)
    options = [raw] if raw.is_absolute() else [base / raw for base in base_dirs]
    for option in options:
        try:
            if option.is_dir() and (option / "config.json").is_file():
                return option / "config.json"
            if option.is_file() and option.suffix == ".json":
                return option
        except (OSError, ValueError):  # a name too long, a folder we may not read: not a local model
            continue
    return None


def _from_file(model_id: str, source: str, path: Path) -> ResolvedModel:
    try:
        return ResolvedModel(model_id, source, _read_config(path), str(path))
    except (OSError, ValueError) as exc:
        if isinstance(exc, json.JSONDecodeError):
            reason = f"{exc.msg} at line {exc.lineno}, column {exc.colno} of {path}"
        else:
            reason = str(exc)
        return ResolvedModel(model_id, "unresolved", None, str(path), f"malformed config.json: {reason}")


def _hf_cache_may_hold(model_id: str) -> bool:
    """False only when no hub cache folder huggingface_hub could read has this repo (saves its import)."""
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "huggingface"
    )
    roots = [
        os.path.join(home, "hub"),
        os.environ.get("HUGGINGFACE_HUB_CACHE", ""),
        os.environ.get("HF_HUB_CACHE", ""),
        os.path.join(os.path.expanduser("~"), ".cache", "huggingface_staging", "hub"),
    ]
    folder = "--".join(["models", *model_id.split("/")])
    return any(
        root and os.path.isdir(os.path.join(os.path.expandvars(os.path.expanduser(root)), folder))
        for root in roots
    )


def _from_cache(model_id: str) -> Path | None:
    if not _hf_cache_may_hold(model_id):
        return None
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover - huggingface_hub ships with transformers
        return None
    found = try_to_load_from_cache(repo_id=model_id, filename="config.json")
    return Path(found) if isinstance(found, str) else None


def _from_hub(model_id: str, revision: str | None) -> Path:
    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", str(int(HUB_TIMEOUT_S)))
    os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", str(int(HUB_TIMEOUT_S)))
    from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url

    # One HEAD request without retries first: when the hub cannot be reached, or the repository is
    # missing or gated, this fails at once (hf_hub_download alone retries for ~25 s, logging as it goes).
    get_hf_file_metadata(hf_hub_url(model_id, "config.json", revision=revision), timeout=HUB_TIMEOUT_S)
    return Path(
        hf_hub_download(
            repo_id=model_id, filename="config.json", revision=revision, etag_timeout=HUB_TIMEOUT_S
        )
    )


_HUB_ERRORS = {  # huggingface_hub exception class names, most specific first
    "GatedRepoError": "the model is gated: accept its terms on huggingface.co and set HF_TOKEN",
    "RepositoryNotFoundError": "no such model on the hub (or it is private: set HF_TOKEN)",
    "RevisionNotFoundError": "no such revision of the model on the hub",
    "RemoteEntryNotFoundError": "the model repository has no config.json",
}


def _hub_problem(exc: BaseException) -> str:
    names = [cls.__name__ for cls in type(exc).__mro__]
    for name, text in _HUB_ERRORS.items():
        if name in names:
            return text
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"cannot reach the hub ({first[:200]})"


def _scrub(text: str) -> str:
    """Never let a token reach a message, even when a library puts one in its error text."""
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACE_TOKEN"):
        token = os.environ.get(name, "").strip()
        if len(token) >= 8:
            text = text.replace(token, "***")
    return text


def resolve(
    model_id: str,
    *,
    base_dir: str | os.PathLike[str] | None = None,
    offline: bool = False,
    mapping: dict[str, str] | None = None,
    revision: str | None = None,
    use_cache: bool = True,
    disk_cache: bool = False,
) -> ResolvedModel:
    """Find a model's config.json without running any code and without downloading weights.

    With ``disk_cache``, a config.json found in the Hugging Face cache, the catalogue or on the hub is kept in
    lora-lint's own cache (models/cache.py), so a later run needs neither the network nor
    huggingface_hub.
    """
    model_id = model_id.strip()
    tried: list[str] = []
    if mapping and model_id in mapping:
        target = Path(mapping[model_id]).expanduser()
        path = target / "config.json" if target.is_dir() else target
        if path.is_file():
            return _from_file(model_id, "mapping", path)
        return ResolvedModel(
            model_id, "unresolved", problem=f"`models` maps it to `{target}`, which has no config.json"
        )
    bases = [Path.cwd()]
    if base_dir is not None and Path(base_dir).resolve() != Path.cwd().resolve():
        bases.insert(0, Path(base_dir))
    local = _local_candidate(model_id, bases)
    if local is not None:
        return _from_file(model_id, "local", local)
    tried.append("local path")
    if not is_hub_id(model_id):
        entry = catalogue.lookup(model_id)
        if entry is not None:
            return ResolvedModel(entry.id, "catalogue", entry.config_dict())
        return ResolvedModel(
            model_id,
            "unresolved",
            tried=tried,
            problem="not a local model folder and not a valid Hugging Face model id",
        )
    if disk_cache:
        from lora_lint.models import cache as disk

        kept = disk.load_config(model_id, revision)
        if kept is not None and (use_cache or kept[0] != "cache"):
            return ResolvedModel(model_id, kept[0], kept[1], kept[2])
    if use_cache:
        cached = _from_cache(model_id)
        if cached is not None:
            return _keep(_from_file(model_id, "cache", cached), revision, disk_cache)
        tried.append("Hugging Face cache")
    entry = catalogue.lookup(model_id)
    if entry is not None:
        return _keep(ResolvedModel(model_id, "catalogue", entry.config_dict()), revision, disk_cache)
    tried.append("bundled catalogue")
    if offline or env_offline():
        return ResolvedModel(
            model_id,
            "unresolved",
            tried=tried,
            problem=f"not found in {', '.join(tried)}; offline, so the hub was not asked",
        )
    try:
        path = _from_hub(model_id, revision)
    except Exception as exc:  # network errors, gated or missing repos: all become a diagnostic
        tried.append("hub")
        first = _scrub(_hub_problem(exc))
        return ResolvedModel(model_id, "unresolved", tried=tried, problem=f"hub lookup failed: {first[:200]}")
    return _keep(_from_file(model_id, "hub", path), revision, disk_cache)


def _keep(found: ResolvedModel, revision: str | None, disk_cache: bool) -> ResolvedModel:
    """Remember a hub id's config.json in lora-lint's cache (see models/cache.py)."""
    if disk_cache and found.config is not None:
        from lora_lint.models import cache as disk

        disk.store_config(found.id, revision, found.source, found.config, found.location)
    return found
