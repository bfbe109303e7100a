"""``--statistics``: how many diagnostics each rule code produced, whatever the output format."""

from __future__ import annotations

import json
from collections import Counter

from lora_lint.lint import LintResult


def counts(result: LintResult) -> list[tuple[str, str, str, int]]:
    """(code, name, severity, count), most frequent first, then by code."""
    seen: Counter[tuple[str, str, str]] = Counter(
        (d.code, d.name, d.severity.label) for d in result.diagnostics
    )
    return sorted(((c, n, s, k) for (c, n, s), k in seen.items()), key=lambda row: (-row[3], row[0], row[2]))


def render(result: LintResult, fmt: str = "text") -> str:
    rows = counts(result)
    if fmt == "json":
        data = [{"code": c, "name": n, "severity": s, "count": k} for c, n, s, k in rows]
        return json.dumps(data, indent=2) + "\n"
    if not rows:
        return "no diagnostics\n"
    width = max(len(str(k)) for *_, k in rows)
    name_width = max(len(n) for _, n, _, _ in rows)
    lines = [f"{k:>{width}}  {c}  {n:<{name_width}}  {s}" for c, n, s, k in rows]
    lines.append(f"{sum(k for *_, k in rows):>{width}}  total")
    return "\n".join(lines) + "\n"
