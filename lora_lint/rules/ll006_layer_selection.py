"""LL006 layer-selection: layers_to_transform / layers_pattern that select nothing or are rejected.

What it does
    Checks ``layers_to_transform`` indices against the model's layer count, checks that a
    ``layers_pattern`` names a real layer list (PEFT looks for ``<pattern>.<index>.`` in module
    names), and reports the combinations ``LoraConfig`` rejects (a pattern without indices, either
    of them with a regex string ``target_modules``).

Why is this bad
    An out-of-range index silently selects nothing; a wrong pattern makes every module fail the
    layer test; the rejected combinations raise when the job starts.

Example
    base_model_name_or_path: gpt2
    r: 8
    target_modules: [c_attn]
    layers_to_transform: [0, 12]

Use instead
    layers_to_transform: [0, 11]        # GPT-2 has layers 0..11
"""

from __future__ import annotations

from collections.abc import Iterator

from lora_lint.diagnostics import Diagnostic, Severity
from lora_lint.matching import layer_index, regex_matches
from lora_lint.rules.context import RuleContext

CODE = "LL006"
NAME = "layer-selection"
SEVERITY = Severity.ERROR
SUMMARY = "layers_to_transform out of range, a layers_pattern naming no layer list, or a rejected combination"


def _layer_lists(ctx: RuleContext) -> list[str]:
    assert ctx.inventory is not None
    found: dict[str, None] = {}
    for row in ctx.inventory.modules:
        parts = row.name.split(".")
        for i in range(1, len(parts) - 1):
            if parts[i].isdigit() and not parts[i - 1].isdigit():
                found.setdefault(parts[i - 1], None)
                break
    return list(found)


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    spec = ctx.spec
    if not spec.peft_applies:
        return
    pred = ctx.prediction
    if pred is not None and pred.failure is not None and pred.failure.kind == "layers":
        field = (
            "layers_pattern"
            if "layers_pattern" in pred.failure.message and "layers_pattern" in spec.fields
            else "layers_to_transform"
        )
        yield ctx.report(
            CODE,
            ctx.field_span(field),
            f"PEFT rejects this layer selection: {pred.failure.message}",
            "layers_to_transform and layers_pattern need a list target_modules; give both, or neither",
        )
        return
    inv = ctx.inventory
    layers = spec.value("layers_to_transform")
    if inv is None or layers is None or layers == []:
        return
    pattern = spec.value("layers_pattern")
    if not isinstance(pattern, (str, list, tuple)):  # a wrong type (`true`) is LL008's to report
        pattern = None
    if pattern:
        patterns = [pattern] if isinstance(pattern, str) else [str(p) for p in pattern]
        for i, item in enumerate(patterns):
            if not regex_matches(rf"(?:^|.*?\.){item}\.\d+\..*", inv.names):
                lists = ", ".join(f"`{n}`" for n in _layer_lists(ctx)) or "none"
                span = (
                    spec.fields["layers_pattern"].entry_span(ctx.doc, i)
                    if not isinstance(pattern, str)
                    else ctx.field_span("layers_pattern")
                )
                yield ctx.report(
                    CODE,
                    span,
                    f"layers_pattern `{item}` names no layer list of "
                    f"`{inv.model_id}`; no module would pass the layer test",
                    f"layer lists in this model: {lists}",
                )
    indices = {layer_index(n, pattern) for n in inv.names if (r := inv.row(n)) is not None and r.wrappable}
    indices.discard(None)
    if not indices:
        return
    count = max(i for i in indices if i is not None) + 1
    values = [layers] if isinstance(layers, int) and not isinstance(layers, bool) else layers
    if not isinstance(values, list):
        return
    found = spec.fields["layers_to_transform"]
    for i, value in enumerate(values):
        if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value < count:
            span = found.entry_span(ctx.doc, i) if isinstance(layers, list) else found.span(ctx.doc)
            yield ctx.report(
                CODE,
                span,
                f"layer {value} is out of range: `{inv.model_id}` has layers 0..{count - 1}",
                "indices count from 0; this one selects nothing",
            )
