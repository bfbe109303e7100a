"""The pipeline: discover -> load -> extract -> resolve -> inventory -> predict -> rules."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from lora_lint.config import Policy
from lora_lint.diagnostics import Diagnostic, Severity, Span
from lora_lint.discover import CONFIG_SUFFIXES, discover
from lora_lint.extract import extract
from lora_lint.extract.spec import LoraSpec
from lora_lint.load import DEFAULT_MAX_BYTES, LoadError, load_path
from lora_lint.models.inventory import BuildError, Built
from lora_lint.models.resolve import ResolvedModel, resolve
from lora_lint.predict.base import Prediction
from lora_lint.rules import checks
from lora_lint.rules import ll000_parse_error as ll000
from lora_lint.rules import ll012_duplicate_key as ll012
from lora_lint.rules.context import Options, RuleContext
from lora_lint.suppress import apply_policy


@dataclass
class Settings:
    model: str | None = None
    offline: bool = False
    strict: bool = False
    auto_class: str | None = None
    trust_remote_code: bool = False
    models: dict[str, str] = field(default_factory=dict)
    max_bytes: int = DEFAULT_MAX_BYTES
    use_cache: bool = True
    disk_cache: bool = True  # lora-lint's own cache of inventories and config.json files (--no-cache)
    exact: bool = False  # always predict with PEFT itself, never the pure matcher (--exact)
    include_python: bool = False  # walk folders for .py files too (named files are always linted)
    policy: Policy = field(default_factory=Policy)  # selection, severities, excludes (config.py)
    debug: bool = False  # let a crashing rule raise instead of reporting it (--debug)


@dataclass
class ConfigResult:
    spec: LoraSpec
    model_id: str | None
    resolved: ResolvedModel | None
    built: Built | None
    prediction: Prediction | None

    @property
    def source(self) -> str:
        return self.resolved.source if self.resolved is not None and self.resolved.ok else "unresolved"

    def as_json(self) -> dict[str, Any]:
        pred = self.prediction if self.prediction is not None and self.prediction.ok else None
        inv = self.built.inventory if self.built is not None else None
        return {
            "pointer": self.spec.pointer,
            "framework": self.spec.framework,
            "base_model": self.model_id,
            "model_source": self.source,
            "auto_class": inv.auto_class if inv else None,
            "modules": pred.modules if pred else None,
            "trainable_params": pred.trainable if pred else None,
            "total_params": pred.total if pred else None,
            "line": self.spec.document.span(self.spec.location).line,
            "engine": pred.engine if pred else None,
        }


@dataclass
class FileResult:
    path: str
    configs: list[ConfigResult] = field(default_factory=list)


@dataclass
class LintResult:
    files: list[FileResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


class Session:
    """Caches resolved models and built inventories for one run, on top of the on-disk cache.

    The inventory stage reads a model's inventory from the disk cache when it can (no torch
    import); the meta-device model is built only when the PEFT-backed predictor needs it. The
    pure predictor answers whenever it covers the config; otherwise PEFT itself does.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._resolved: dict[tuple[str, str], ResolvedModel] = {}
        self._built: dict[tuple[str, str | None, str | None], Built | BuildError] = {}
        self._pure_ok: bool | None = None
        self._predictions: dict[tuple[str, str], Prediction] = {}

    def resolve(self, model_id: str, base_dir: str) -> ResolvedModel:
        key = (model_id, base_dir)
        if key not in self._resolved:
            self._resolved[key] = resolve(
                model_id,
                base_dir=base_dir,
                offline=self.settings.offline,
                mapping=self.settings.models,
                use_cache=self.settings.use_cache,
                disk_cache=self.settings.disk_cache,
            )
        return self._resolved[key]

    def build(self, resolved: ResolvedModel, task_type: str | None) -> Built:
        from lora_lint.models.inventory import config_key

        assert resolved.config is not None
        key = (config_key(resolved.config, ""), task_type, self.settings.auto_class)
        if key not in self._built:
            local = resolved.source in {"local", "mapping"} and resolved.location is not None
            source_dir = os.path.dirname(resolved.location) if local and resolved.location else None
            self._built[key] = self._build(resolved.config, resolved.id, task_type, source_dir)
        found = self._built[key]
        if isinstance(found, BuildError):
            raise found
        return found

    def _build(
        self, config: dict[str, Any], model_id: str, task_type: str | None, source_dir: str | None = None
    ) -> Built | BuildError:
        from lora_lint.models import cache
        from lora_lint.models.inventory import build, build_meta_model

        settings = self.settings
        options: dict[str, Any] = {
            "task_type": task_type,
            "auto_class": settings.auto_class,
            "trust_remote_code": settings.trust_remote_code,
            "source_dir": source_dir,
        }
        disk_key = None
        # A model built from repository code is never cached: its code can change under the same config.
        remote = settings.trust_remote_code and "auto_map" in config
        if settings.disk_cache and not remote:
            disk_key = cache.inventory_key(config, settings.auto_class, task_type, settings.trust_remote_code)
            found = cache.load_inventory(disk_key)
            if isinstance(found, BuildError):
                return found
            if found is not None:
                found.model_id = model_id
                lazy = Built(None, found, lambda: build_meta_model(config, **options)[0])
                lazy.cache_key = disk_key
                return lazy
        try:
            built = build(config, model_id, **options)
        except BuildError as exc:
            if disk_key is not None and cache.lasting(exc):
                cache.store_inventory(disk_key, exc)
            return exc
        if disk_key is not None:
            cache.store_inventory(disk_key, built.inventory)
            built.cache_key = disk_key
        return built

    def _pure_allowed(self) -> bool:
        if self._pure_ok is None:
            from lora_lint.predict.pure import peft_gate
            from lora_lint.report.versions import tools

            reason = peft_gate(tools()["peft"])
            self._pure_ok = reason is None
            if reason is not None:
                sys.stderr.write(f"lora-lint: {reason}\n")
        return self._pure_ok

    def predict(self, built: Built, spec: LoraSpec) -> Prediction:
        kwargs = spec.kwargs()
        # The same settings on the same model (common across a repository) are predicted once.
        try:
            text = json.dumps([kwargs, spec.task_type], sort_keys=True, default=repr)
        except (TypeError, ValueError):  # keys of mixed types cannot be sorted
            text = repr([kwargs, spec.task_type])
        memo_key = (built.cache_key or str(id(built)), text)
        found = self._predictions.get(memo_key)
        if found is None:
            found = self._predict(built, kwargs, spec.task_type)
            self._predictions[memo_key] = found
        return dataclasses.replace(
            found, wrapped=list(found.wrapped), saved=dict(found.saved), warnings=list(found.warnings)
        )

    def _predict(self, built: Built, kwargs: dict[str, Any], task_type: str | None) -> Prediction:
        if not self.settings.exact and self._pure_allowed():
            from lora_lint.predict import pure

            try:
                return pure.predict(built.inventory, kwargs, task_type)
            except pure.NotCovered:
                pass
            except Exception:  # a gap in the pure matcher must never cost the user a prediction
                if os.environ.get("LORA_LINT_DEBUG"):
                    raise
        from lora_lint.predict.peft_backed import predict

        # PEFT's own answers are kept on disk too, so a warm run needs no torch for them either.
        key = None
        if self.settings.disk_cache and built.cache_key is not None:
            from lora_lint.models import cache

            key = cache.prediction_key(built.cache_key, kwargs, task_type)
            found = cache.load_prediction(key)
            if found is not None:
                return found
        prediction = predict(built, kwargs, task_type)
        if key is not None:
            cache.store_prediction(key, prediction)
        return prediction


def lint_spec(spec: LoraSpec, display: str, session: Session) -> tuple[ConfigResult, list[Diagnostic]]:
    settings = session.settings
    model_id = settings.model or (spec.model.id if spec.model else None)
    ctx = RuleContext(spec=spec, path=display, options=Options(strict=settings.strict), model_ref=model_id)
    result = ConfigResult(spec, model_id, None, None, None)
    if model_id is not None:
        base_dir = os.path.dirname(os.path.abspath(spec.document.path))
        ctx.resolved = result.resolved = session.resolve(model_id, base_dir)
        if ctx.resolved.ok:
            try:
                result.built = session.build(ctx.resolved, spec.task_type)
                ctx.inventory = result.built.inventory
            except BuildError as exc:
                ctx.build_error = exc
    if result.built is not None and spec.expand is not None:
        spec.expand(spec, result.built.inventory)
    if result.built is not None and (spec.peft_applies or spec.equivalent):
        ctx.prediction = result.prediction = session.predict(result.built, spec)
    diagnostics: list[Diagnostic] = []
    for rule in checks():
        try:
            found = list(rule.check(ctx))
        except Exception as exc:
            if settings.debug:
                raise
            # One broken rule must not hide every other finding of the run.
            found = [
                Diagnostic(
                    display,
                    spec.document.span(spec.location),
                    rule.CODE,
                    rule.NAME,
                    Severity.ERROR,
                    f"internal error in this rule: {type(exc).__name__}: {exc}",
                    "please report it; rerun with --debug for the traceback",
                )
            ]
        ctx.reported.extend(found)
        diagnostics.extend(found)
    return result, diagnostics


def lint_paths(
    paths: Iterable[str], settings: Settings, on_file: Callable[[FileResult], None] | None = None
) -> LintResult:
    session = Session(settings)
    result = LintResult()
    suffixes = CONFIG_SUFFIXES + ((".py",) if settings.include_python else ())
    for path in discover(paths, suffixes):
        if settings.policy.excluded(path):
            continue
        file_result = FileResult(path)
        result.files.append(file_result)
        try:
            documents = load_path(path, settings.max_bytes)
        except LoadError as exc:
            result.diagnostics.append(ll000.diagnostic(path, exc.span, exc.message))
            continue
        for doc in documents:
            specs = extract(doc)
            if specs:  # file-level checks, for documents that hold a LoRA config
                result.diagnostics.extend(ll012.check_document(doc, path))
                result.diagnostics.extend(ll000.diagnostic(path, t.span, t.message) for t in doc.foreign_tags)
            for spec in specs:
                config, diags = lint_spec(spec, path, session)
                file_result.configs.append(config)
                result.diagnostics.extend(diags)
        if on_file is not None:
            on_file(file_result)
    result.diagnostics = apply_policy(result.diagnostics, [f.path for f in result.files], settings.policy)
    return result


def failing(diagnostics: Iterable[Diagnostic], strict: bool) -> bool:
    threshold = Severity.WARNING if strict else Severity.ERROR
    return any(d.severity >= threshold for d in diagnostics)


__all__ = ["ConfigResult", "FileResult", "LintResult", "Session", "Settings", "Span", "failing", "lint_paths"]
