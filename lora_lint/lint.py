"""The pipeline: discover -> load -> extract -> resolve -> inventory -> predict -> rules."""

from __future__ import annotations

import os
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
    include_python: bool = False  # walk folders for .py files too (named files are always linted)
    policy: Policy = field(default_factory=Policy)  # selection, severities, excludes (config.py)


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
    """Caches resolved models and built inventories for one run."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._resolved: dict[tuple[str, str], ResolvedModel] = {}
        self._built: dict[tuple[str, str | None, str | None], Built | BuildError] = {}

    def resolve(self, model_id: str, base_dir: str) -> ResolvedModel:
        key = (model_id, base_dir)
        if key not in self._resolved:
            self._resolved[key] = resolve(
                model_id,
                base_dir=base_dir,
                offline=self.settings.offline,
                mapping=self.settings.models,
                use_cache=self.settings.use_cache,
            )
        return self._resolved[key]

    def build(self, resolved: ResolvedModel, task_type: str | None) -> Built:
        from lora_lint.models.inventory import build, config_key

        assert resolved.config is not None
        auto = self.settings.auto_class
        key = (config_key(resolved.config, ""), task_type, auto)
        if key not in self._built:
            try:
                self._built[key] = build(
                    resolved.config,
                    resolved.id,
                    task_type=task_type,
                    auto_class=auto,
                    trust_remote_code=self.settings.trust_remote_code,
                )
            except BuildError as exc:
                self._built[key] = exc
        found = self._built[key]
        if isinstance(found, BuildError):
            raise found
        return found

    def predict(self, built: Built, spec: LoraSpec) -> Prediction:
        from lora_lint.predict.peft_backed import predict

        return predict(built, spec.kwargs(), spec.task_type)


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
        found = list(rule.check(ctx))
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
            for spec in extract(doc):
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
