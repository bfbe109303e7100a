"""Shrink a model's config.json: same module names and types, 2 layers, tiny widths.

The shrunk copy keeps everything that decides which modules exist and what they are called
(model type, architectures, switches, tied embeddings, MoE and MLA structure, grouped-query
attention), and scales down only sizes: layers, hidden width, heads, key/value heads, MLP and
expert widths, expert counts and the vocabulary. Head divisibility is kept: the head count is a
multiple of the key/value head count, and the hidden width is heads x head_dim.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

LAYERS = 2
HEADS = 4
HEAD_DIM = 16
VOCAB = 512
EXPERTS = 4
EXPERTS_PER_TOKEN = 2

# Canonical name -> the keys model types use for it (transformers' attribute_map covers most).
_LAYER_KEYS = ("num_hidden_layers", "n_layer", "num_layers", "n_layers", "depth")
_EXTRA_LAYER_KEYS = ("num_decoder_layers", "encoder_layers", "decoder_layers")
_HIDDEN_KEYS = ("hidden_size", "n_embd", "d_model", "dim", "embed_dim")
_HEAD_KEYS = ("num_attention_heads", "n_head", "num_heads", "n_heads")
_KV_KEYS = ("num_key_value_heads", "num_kv_heads", "multi_query_group_num", "n_head_kv")
_HEAD_DIM_KEYS = ("head_dim", "d_kv", "attention_head_size")
_FFN_KEYS = (
    "intermediate_size",
    "ffn_dim",
    "d_ff",
    "hidden_dim",
    "ffn_hidden_size",
    "n_inner",
    "encoder_ffn_dim",
    "decoder_ffn_dim",
)
_EXPERT_FFN_KEYS = ("moe_intermediate_size", "shared_expert_intermediate_size", "expert_intermediate_size")
_EXPERT_KEYS = ("num_local_experts", "num_experts", "n_routed_experts")
_TOPK_KEYS = ("num_experts_per_tok", "moe_top_k", "top_k")
_TOKEN_ID_SUFFIX = "_token_id"


@dataclass
class Shrunk:
    """The shrunk config and what changed, for the report."""

    config: dict[str, Any]
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def layers(self) -> int | None:
        for key in _LAYER_KEYS:
            value = self.config.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _first(config: dict[str, Any], keys: tuple[str, ...]) -> tuple[str, int] | None:
    for key in keys:
        value = _int(config.get(key))
        if value is not None:
            return key, value
    return None


def _set(
    config: dict[str, Any], changes: dict[str, tuple[Any, Any]], prefix: str, key: str, new: Any
) -> None:
    old = config.get(key)
    if old != new:
        changes[prefix + key] = (old, new)
        config[key] = new


def _effective(config: dict[str, Any]) -> dict[str, Any]:
    """Every value the config class ends up with, defaults and derived values included."""
    from lora_lint.models.inventory import BuildError, _config_object, _quiet

    try:
        with _quiet():
            return dict(_config_object(config, trust_remote_code=False).to_dict())
    except (BuildError, Exception):
        return {}


def _heads(heads: int, kv: int | None) -> tuple[int, int | None]:
    """A small head count and key/value head count of the same kind (MHA, GQA or MQA)."""
    if heads <= HEADS:
        return heads, kv
    if kv is None:
        return HEADS, None
    if kv >= heads:
        return HEADS, HEADS
    if kv <= 1:
        return HEADS, 1
    return HEADS, 2


def min_layers_for(kwargs: dict[str, Any]) -> int:
    """Layers the LoRA config refers to by index (``layers_to_transform``) must exist."""
    chosen = kwargs.get("layers_to_transform")
    indices: list[int] = []
    if isinstance(chosen, int) and not isinstance(chosen, bool):
        indices = [chosen]
    elif isinstance(chosen, list):
        indices = [i for i in chosen if isinstance(i, int) and not isinstance(i, bool)]
    return max(indices) + 1 if indices else 0


def shrink(config: dict[str, Any], layers: int = LAYERS) -> Shrunk:
    """A shrunk copy of ``config`` (a config.json dict); ``config`` itself is not changed."""
    out = copy.deepcopy(config)
    changes: dict[str, tuple[Any, Any]] = {}
    _shrink_into(out, _effective(config), changes, "", layers)
    for key, value in list(out.items()):
        if key.endswith("_config") and isinstance(value, dict) and _first(value, _HIDDEN_KEYS):
            _shrink_into(value, {}, changes, key + ".", layers)
    return Shrunk(out, changes)


def _shrink_into(
    out: dict[str, Any],
    defaults: dict[str, Any],
    changes: dict[str, tuple[Any, Any]],
    prefix: str,
    layers: int,
) -> None:
    view = {**defaults, **out}
    # Layers, and per-layer lists (layer_types and the like).
    found = _first(view, _LAYER_KEYS)
    if found is not None:
        key, old_layers = found
        new_layers = min(old_layers, max(1, layers))
        _set(out, changes, prefix, key, new_layers)
        for extra in _EXTRA_LAYER_KEYS:
            value = _int(view.get(extra))
            if value is not None:
                _set(out, changes, prefix, extra, min(value, new_layers))
        for name, value in list(out.items()):
            if isinstance(value, list) and len(value) == old_layers and old_layers != new_layers:
                _set(out, changes, prefix, name, value[:new_layers])
        for name in ("mlp_only_layers",):
            value = out.get(name)
            if isinstance(value, list):
                _set(out, changes, prefix, name, [i for i in value if _int(i) is not None and i < new_layers])
        for name in ("first_k_dense_replace", "max_window_layers"):
            value = _int(view.get(name))
            if value is not None and value > 0:
                _set(out, changes, prefix, name, min(value, max(1, new_layers - 1)))
        value = _int(view.get("decoder_sparse_step"))
        if value is not None and value > new_layers:
            _set(out, changes, prefix, "decoder_sparse_step", 1)
    # Heads and widths.
    hidden = _first(view, _HIDDEN_KEYS)
    heads = _first(view, _HEAD_KEYS)
    if hidden is None or heads is None:
        return
    kv = _first(view, _KV_KEYS)
    head_dim = _first(view, _HEAD_DIM_KEYS)
    old_head_dim = head_dim[1] if head_dim else hidden[1] // max(1, heads[1])
    new_heads, new_kv = _heads(heads[1], kv[1] if kv else None)
    new_head_dim = min(old_head_dim, HEAD_DIM) if old_head_dim > 0 else HEAD_DIM
    new_hidden = new_heads * new_head_dim
    if new_hidden >= hidden[1]:
        return  # already tiny
    _set(out, changes, prefix, heads[0], new_heads)
    if kv is not None and new_kv is not None:
        _set(out, changes, prefix, kv[0], new_kv)
    if head_dim is not None:
        _set(out, changes, prefix, head_dim[0], new_head_dim)
    _set(out, changes, prefix, hidden[0], new_hidden)
    for key in _FFN_KEYS:
        value = _int(view.get(key))
        if value is not None and value > 2 * new_hidden:
            _set(out, changes, prefix, key, 2 * new_hidden)
    for key in _EXPERT_FFN_KEYS:
        value = _int(view.get(key))
        if value is not None and value > new_hidden:
            _set(out, changes, prefix, key, new_hidden)
    proj = _int(view.get("word_embed_proj_dim"))
    if proj is not None:
        _set(
            out, changes, prefix, "word_embed_proj_dim", new_hidden if proj == hidden[1] else new_hidden // 2
        )
    _shrink_experts(out, view, changes, prefix)
    _shrink_mla(out, view, changes, prefix, new_head_dim)
    _shrink_rope_lists(out, changes, prefix, old_head_dim, new_head_dim)
    _shrink_vocab(out, view, changes, prefix)


def _shrink_experts(
    out: dict[str, Any], view: dict[str, Any], changes: dict[str, tuple[Any, Any]], prefix: str
) -> None:
    experts = _first(view, _EXPERT_KEYS)
    if experts is None or experts[1] <= EXPERTS:
        return
    _set(out, changes, prefix, experts[0], EXPERTS)
    topk = _first(view, _TOPK_KEYS)
    if topk is not None and topk[1] > EXPERTS_PER_TOKEN:
        _set(out, changes, prefix, topk[0], EXPERTS_PER_TOKEN)
    groups = _int(view.get("n_group"))
    if groups is not None and groups > 1:
        _set(out, changes, prefix, "n_group", 1)
        _set(out, changes, prefix, "topk_group", 1)


def _shrink_mla(
    out: dict[str, Any], view: dict[str, Any], changes: dict[str, tuple[Any, Any]], prefix: str, head_dim: int
) -> None:
    """DeepSeek-style multi-head latent attention: low-rank and split head sizes."""
    if _int(view.get("kv_lora_rank")) is None:
        return
    rope = max(2, head_dim // 2)
    _set(out, changes, prefix, "kv_lora_rank", head_dim)
    if _int(view.get("q_lora_rank")) is not None:
        _set(out, changes, prefix, "q_lora_rank", head_dim)
    _set(out, changes, prefix, "qk_rope_head_dim", rope)
    _set(out, changes, prefix, "qk_nope_head_dim", head_dim - rope)
    _set(out, changes, prefix, "v_head_dim", head_dim)
    if "qk_head_dim" in view:
        _set(out, changes, prefix, "qk_head_dim", head_dim)
    if "head_dim" in view:
        _set(out, changes, prefix, "head_dim", rope)


def _shrink_rope_lists(
    out: dict[str, Any],
    changes: dict[str, tuple[Any, Any]],
    prefix: str,
    old_head_dim: int,
    new_head_dim: int,
) -> None:
    """Per-frequency RoPE factor lists (LongRoPE) have head_dim / 2 entries."""
    for name in ("rope_scaling", "rope_parameters"):
        table = out.get(name)
        if not isinstance(table, dict):
            continue
        new = dict(table)
        for key, value in table.items():
            if isinstance(value, list) and len(value) == old_head_dim // 2:
                new[key] = value[: new_head_dim // 2]
        if new != table:
            _set(out, changes, prefix, name, new)


def _shrink_vocab(
    out: dict[str, Any], view: dict[str, Any], changes: dict[str, tuple[Any, Any]], prefix: str
) -> None:
    vocab = _int(view.get("vocab_size"))
    if vocab is None or vocab <= VOCAB:
        return
    _set(out, changes, prefix, "vocab_size", VOCAB)
    # Special token ids must stay inside the shrunk vocabulary.
    for key, value in list(view.items()):
        if not key.endswith(_TOKEN_ID_SUFFIX):
            continue
        if _int(value) is not None and value >= VOCAB:
            _set(out, changes, prefix, key, VOCAB - 1 - (value % 8))
        elif isinstance(value, list) and any(_int(v) is not None and v >= VOCAB for v in value):
            _set(
                out, changes, prefix, key, [VOCAB - 1 - (v % 8) if _int(v) is not None else v for v in value]
            )
