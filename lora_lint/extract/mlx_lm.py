"""mlx-lm YAML (``mlx_lm.lora -c``) and mlx-lm's own ``adapter_config.json`` (no ``peft_type``).

Keys: ``model``, ``fine_tune_type`` (lora, dora, full), ``num_layers`` (the *last* N blocks;
-1 for all; older files say ``lora_layers``), ``lora_parameters: {keys, rank, scale, dropout}``.
mlx-lm's ``linear_to_lora_layers`` replaces, in each of the last N blocks, the modules whose
path *relative to the block* is exactly one of ``keys`` (``self_attn.q_proj``), then the modules
whose full path is one of them. A key that matches nothing is silently unused; when none match,
0% of the model trains. Without ``keys``, every linear and embedding layer of those blocks is used.

MLX model classes mirror the transformers names, so keys are checked against the transformers
model's block-relative paths; the equivalent PEFT spec (those exact modules) fills in counts.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import partial
from typing import Any

from lora_lint.diagnostics import Severity, Span
from lora_lint.extract import _common as c
from lora_lint.extract.spec import Field, LoraSpec
from lora_lint.load.document import Document, KeyPath
from lora_lint.models.inventory import Inventory

NAME = "mlx-lm"
DEFAULT_LAYERS = 16


def _is_mlx(data: dict[Any, Any]) -> bool:
    if "peft_type" in data:
        return False
    if isinstance(data.get("lora_parameters"), dict):
        return True
    return "model" in data and ("fine_tune_type" in data or "lora_layers" in data)


def _expand(
    keys: list[str] | None,
    key_spans: list[Span],
    layers: Any,
    layers_path: KeyPath | None,
    spec: LoraSpec,
    inv: Inventory,
) -> None:
    found = c.block_list(inv)
    if found is None:
        return
    prefix, count = found
    n = layers if isinstance(layers, int) and not isinstance(layers, bool) else DEFAULT_LAYERS
    if n > count:
        c.note(
            spec,
            f"mlx-lm raises: {n} layers requested but `{inv.model_id}` has {count}",
            f"use `num_layers: {count}` (or -1 for all)",
            layers_path,
            Severity.ERROR,
        )
        return
    first = 0 if n < 0 else count - n
    rows = list(c.block_relative(inv, prefix))
    selected: list[str] = []
    if keys is None:
        selected = [
            full
            for index, _rel, full in rows
            if index >= first and (row := inv.row(full)) is not None and row.wrappable and row.is_leaf
        ]
    else:
        relative = {rel for _i, rel, _f in rows}
        for key, span in zip(keys, key_spans, strict=True):
            hits = [full for index, rel, full in rows if index >= first and rel == key]
            hits += [full for full in inv.names if full == key]
            selected.extend(hits)
            if hits:
                continue
            wrappable = sorted(
                {rel for _i, rel, full in rows if (row := inv.row(full)) is not None and row.wrappable}
            )
            ending = [rel for rel in wrappable if rel.endswith("." + key) or rel == key]
            close = ending or difflib.get_close_matches(key, wrappable, n=2, cutoff=0.6)
            c.note(
                spec,
                f"mlx-lm matches `lora_parameters.keys` exactly against paths inside each block "
                f"(`{prefix}.N.<path>`); `{key}` is no such path of `{inv.model_id}`, so it adds no "
                "LoRA layer",
                f"write {c.names(close)}" if close else f"block paths: {c.names(sorted(relative))}",
                None,
                Severity.WARNING,
                span,
            )
    selected = sorted(set(selected), key=inv.names.index)
    if keys is not None and not selected:
        c.note(
            spec,
            "no `lora_parameters.keys` entry matches a module in the trained blocks: mlx-lm trains "
            "0% of the model, without an error",
            "use block-relative paths such as `self_attn.q_proj`",
            ("lora_parameters", "keys"),
            Severity.ERROR,
        )
    spec.fields["target_modules"] = Field(selected, ("lora_parameters", "keys"))
    spec.equivalent = bool(selected)


def extract(doc: Document) -> Iterator[LoraSpec]:
    data = c.mapping(doc.data)
    if data is None or not _is_mlx(data):
        return
    method = data.get("fine_tune_type", "lora")
    if not isinstance(method, str) or method.lower() not in {"lora", "dora"}:
        return
    spec = LoraSpec(document=doc, framework=NAME, location=())
    spec.peft_applies = False
    spec.validate = False
    spec.model = c.model_from(doc, (), ("model",))
    params = c.mapping(data.get("lora_parameters")) or {}
    rank = params.get("rank", 8)
    spec.fields["r"] = Field(rank, ("lora_parameters", "rank") if "rank" in params else None)
    layer_key = "num_layers" if "num_layers" in data else ("lora_layers" if "lora_layers" in data else None)
    layers = data.get(layer_key, DEFAULT_LAYERS) if layer_key else DEFAULT_LAYERS
    raw = params.get("keys")
    keys = [str(k) for k in raw] if isinstance(raw, list) else None
    spans = [doc.span(("lora_parameters", "keys", i)) for i in range(len(keys or []))]
    spec.expand = partial(_expand, keys, spans, layers, (layer_key,) if layer_key else None)
    yield spec
