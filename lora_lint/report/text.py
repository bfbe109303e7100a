"""``path:line:col: CODE message`` lines with an indented help, then one summary line per config."""

from __future__ import annotations

from collections import Counter

from lora_lint.diagnostics import printable
from lora_lint.lint import ConfigResult, LintResult


def _summary(path: str, config: ConfigResult) -> str:
    spec = config.spec
    line = spec.document.span(spec.location).line
    where = f"{path}:{line}: {spec.framework}{' ' + spec.pointer if spec.pointer else ''}"
    if config.model_id is None:
        return f"{where}: no base model"
    head = f"{where}: {config.model_id} ({config.source}"
    if config.built is not None:
        head += f", {config.built.inventory.auto_class}"
    head += ")"
    pred = config.prediction
    if pred is None:
        return f"{head}: not predicted"
    if not pred.ok:
        reason = f" {pred.failure.exception}" if pred.failure is not None and pred.failure.exception else ""
        return f"{head}: PEFT would raise{reason}"
    count = len(pred.modules)
    return f"{head}: {count} module{'s' if count != 1 else ''} wrapped; {pred.summary()}"


def render(result: LintResult) -> str:
    lines: list[str] = []
    for diag in result.diagnostics:
        lines.append(f"{diag.path}:{diag.span.line}:{diag.span.column}: {diag.code} {diag.message}")
        if diag.help:
            lines.append(f"    help: {diag.help}")
    summaries = [printable(_summary(f.path, c)) for f in result.files for c in f.configs]
    if summaries and lines:
        lines.append("")
    lines.extend(summaries)
    counts = Counter(d.severity.label for d in result.diagnostics)
    configs = sum(len(f.configs) for f in result.files)
    parts = [
        f"{counts.get(k, 0)} {k}{'s' if counts.get(k, 0) != 1 else ''}" for k in ("error", "warning", "info")
    ]
    lines.append(
        f"{', '.join(parts)} in {configs} LoRA config{'s' if configs != 1 else ''} "
        f"({len(result.files)} file{'s' if len(result.files) != 1 else ''} checked)"
    )
    return "\n".join(lines) + "\n"
