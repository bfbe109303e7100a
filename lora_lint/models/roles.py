"""What a module is for: its role (path with layer indices folded), tower, group and kind.

The vocabulary below is of *functions*, not of architectures: it names the projections that
transformer families use (q_proj, query, c_attn, Wqkv, w1, fc1, ...) so that the linter can say
"`q_proj` on this model is called `c_attn`". Matching never depends on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_NUM = re.compile(r"(?<=\.)\d+(?=\.|$)|^\d+(?=\.)")

KINDS: dict[str, frozenset[str]] = {
    "q": frozenset({"q_proj", "query", "q", "wq", "q_lin", "to_q", "q_a_proj", "q_b_proj", "q_attn"}),
    "k": frozenset({"k_proj", "key", "k", "wk", "k_lin", "to_k"}),
    "v": frozenset({"v_proj", "value", "v", "wv", "v_lin", "to_v"}),
    "kv": frozenset({"kv_proj", "kv_a_proj_with_mqa", "kv_b_proj", "c_kv"}),
    "qkv": frozenset(
        {
            "c_attn",
            "qkv_proj",
            "query_key_value",
            "Wqkv",
            "wqkv",
            "qkv",
            "W_pack",
            "in_proj",
            "qkv_linear",
            "attn_qkv",
            "qkv_lin",
        }
    ),
    "o": frozenset(
        {
            "o_proj",
            "out_proj",
            "wo",
            "out_lin",
            "to_out",
            "o",
            "attn_out",
            "dense",
            "c_proj",
            "Wo",
            "output_proj",
        }
    ),
    "gate_up": frozenset({"gate_up_proj", "w13", "c_fc_gate_up"}),
    "gate": frozenset({"gate_proj", "w1", "wi_0", "c_fc2"}),
    "up": frozenset(
        {
            "up_proj",
            "c_fc",
            "fc1",
            "w3",
            "wi",
            "wi_1",
            "dense_h_to_4h",
            "lin1",
            "fc_in",
            "c_fc1",
            "Wi",
            "intermediate",
        }
    ),
    "down": frozenset({"down_proj", "fc2", "w2", "dense_4h_to_h", "lin2", "fc_out", "mlp_c_proj"}),
    "router": frozenset({"router", "gate", "switch", "shared_expert_gate", "moe_gate"}),
    "head": frozenset(
        {"lm_head", "classifier", "score", "qa_outputs", "decoder", "embed_out", "output", "vocab_transform"}
    ),
    "embedding": frozenset(
        {
            "embed_tokens",
            "wte",
            "wpe",
            "word_embeddings",
            "position_embeddings",
            "token_type_embeddings",
            "shared",
            "embed_positions",
            "tok_embeddings",
            "embed_in",
        }
    ),
}
GROUP_OF_KIND = {
    "q": "attention",
    "k": "attention",
    "v": "attention",
    "kv": "attention",
    "qkv": "attention",
    "o": "attention",
    "gate_up": "mlp",
    "gate": "mlp",
    "up": "mlp",
    "down": "mlp",
    "router": "router",
    "head": "head",
    "embedding": "embedding",
}
KIND_LABELS = {
    "q": "query",
    "k": "key",
    "v": "value",
    "qkv": "q/k/v",
    "kv": "k/v",
    "o": "output",
    "gate_up": "gate/up",
}
GROUP_LABELS = {"mlp": "MLP", "experts": "MoE experts", "router": "MoE router"}
FUSED_KINDS = frozenset({"qkv", "kv", "gate_up"})
# The classification `lora-lint inspect` shows for every role.
_CATEGORY_OF_GROUP = {
    "attention": "attention",
    "mlp": "MLP",
    "experts": "MoE experts",
    "router": "MoE router",
    "head": "output head",
    "embedding": "embedding",
}
CATEGORIES = (
    "attention",
    "MLP",
    "MoE experts",
    "MoE router",
    "output head",
    "embedding",
    "vision tower",
    "audio tower",
    "projector",
    "other",
)

_VISION = ("vision_tower", "visual", "vision_model", "vision_encoder", "image_encoder", "vision", "vit")
_AUDIO = ("audio_tower", "audio_encoder", "audio_model", "whisper_encoder")
_PROJECTOR = ("multi_modal_projector", "mm_projector", "merger", "connector", "projector")
# Parents that make a generic layer part of the output head (BERT/RoBERTa/DistilBERT MLM heads).
_HEAD_PARENTS = frozenset(
    {"lm_head", "cls", "predictions", "classifier", "score", "qa_outputs", "vocab_transform", "head"}
)
# Output-projection names too generic to mean "attention" without an attention parent.
_WEAK_O = frozenset({"dense", "o", "output", "c_proj", "out_proj", "wo", "Wo", "output_proj"})


@dataclass(frozen=True)
class Role:
    key: str  # folded path, e.g. "transformer.h.*.attn.c_proj"
    tower: str  # language, vision, audio, projector
    group: str  # attention, mlp, experts, router, head, embedding, pooler, other
    kind: str  # q, k, v, qkv, o, up, gate, down, gate_up, router, head, embedding, other

    @property
    def label(self) -> str:
        """Human words: "attention output", "MLP down", "vision attention q/k/v"."""
        kind = "" if self.kind in {"other", self.group} else f" {KIND_LABELS.get(self.kind, self.kind)}"
        tower = "" if self.tower == "language" else f"{self.tower} "
        return f"{tower}{GROUP_LABELS.get(self.group, self.group)}{kind}"

    @property
    def category(self) -> str:
        """One of CATEGORIES: what the layer is, with any non-language tower taking precedence."""
        if self.tower != "language":
            return f"{self.tower} tower" if self.tower != "projector" else "projector"
        return _CATEGORY_OF_GROUP.get(self.group, "other")

    @property
    def fused(self) -> bool:
        return self.kind in FUSED_KINDS


def fold(name: str) -> str:
    """Replace every numeric path segment (layer, expert, sub-layer index) by ``*``."""
    return _NUM.sub("*", name)


@lru_cache(maxsize=1 << 16)
def tower_of(name: str) -> str:
    parts = name.split(".")
    # A projector may sit inside the vision module (Qwen2-VL's `visual.merger`): it wins.
    if any(part.lower() in _PROJECTOR for part in parts):
        return "projector"
    for part in parts:
        low = part.lower()
        if low in _AUDIO or low.startswith("audio"):
            return "audio"
        if low in _VISION or low.startswith("vision") or low == "visual":
            return "vision"
    return "language"


def _group_from_path(parts: list[str]) -> str | None:
    lowered = [p.lower() for p in parts[:-1]]
    for part in reversed(lowered):
        if part == "experts" or (part.endswith("experts") and "shared" not in part):
            return "experts"
        if "attn" in part or "attention" in part:
            return "attention"
        if part in {
            "mlp",
            "ffn",
            "feed_forward",
            "densereludense",
            "intermediate",
            "block_sparse_moe",
            "moe",
            "shared_expert",
            "shared_experts",
            "feedforward",
            "ff",
        } or part.startswith("mlp"):
            return "mlp"
        if part == "pooler":
            return "pooler"
    return None


def classify(name: str, class_name: str = "", is_output_embedding: bool = False) -> Role:
    parts = name.split(".")
    leaf = parts[-1]
    tower = tower_of(name)
    kind = next((k for k, names in KINDS.items() if leaf in names), "other")
    group = _group_from_path(parts)
    if is_output_embedding or (kind == "head" and group is None and class_name != "Embedding"):
        return Role(fold(name), tower, "head", "head")
    if class_name == "Embedding" or kind == "embedding":
        return Role(fold(name), tower, "embedding", "embedding")
    if group is None and any(p.lower() in _HEAD_PARENTS for p in parts[:-1]):
        return Role(fold(name), tower, "head", "head")
    if group is None:
        # BERT-style blocks: layer.N.output.dense is the MLP down projection.
        if leaf == "dense" and len(parts) >= 2 and parts[-2] == "output":
            return Role(fold(name), tower, "mlp", "down")
        if kind == "o" and leaf in _WEAK_O:
            kind = "other"
        group = GROUP_OF_KIND.get(kind, "other")
        if group in {"head", "embedding"}:
            group = "other"
    if group == "attention" and kind in {"up", "down", "gate", "router", "head"}:
        kind = "other"
    if group == "pooler":
        kind = "other"
    if group == "attention" and leaf == "dense":
        kind = "o"
    if group in {"mlp", "experts"}:
        if leaf == "c_proj" or leaf == "dense" or leaf == "wo" or leaf == "output_proj":
            kind = "down"
        elif kind in {"q", "k", "v", "qkv", "o"}:
            kind = "other"
        elif kind == "router":
            group, kind = "router", "router"
    if group == "mlp" and parts[-2:-1] == ["intermediate"] and leaf == "dense":
        kind = "up"
    if kind == "router" and group not in {"router"}:
        group = "router" if group in {"mlp", "experts", "other"} else group
    return Role(fold(name), tower, group, kind)


def ambiguity_key(role: Role) -> tuple[str, str]:
    """Roles with different keys here are different things to train (experts count as MLP)."""
    group = "mlp" if role.group == "experts" else role.group
    return (role.tower, group if group != "attention" else f"attention-{'o' if role.kind == 'o' else 'in'}")
