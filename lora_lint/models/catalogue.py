"""Offline catalogue of architecture facts for popular base models.

lora-lint predicts which modules PEFT will wrap by building the model's module
tree on PyTorch's ``meta`` device, which needs a ``transformers`` config but no
weights. This module holds a small hand-written table of such configs so that
the most common base models can be linted with no network access at all.

Each :class:`CatalogueEntry` records

* ``id``: the canonical Hugging Face Hub id (e.g. ``"meta-llama/Llama-3.1-8B"``);
* ``model_type``: the ``transformers`` model type (the key of ``CONFIG_MAPPING``);
* ``architectures``: the model class names, as in a hub ``config.json``;
* ``fields``: **only** the config fields that differ from the transformers
  default config for that model type (``AutoConfig.for_model(model_type)``)
  *and* that influence module names or parameter shapes: hidden sizes, layer
  and head counts, key/value heads, ``head_dim``, vocabulary size, MLP and
  expert sizes, expert counts, ``tie_word_embeddings``, learned position table
  sizes, and switches that add or remove modules. Fields such as RoPE settings,
  dropout rates or token ids are deliberately left out: they never change the
  module tree. Where an entry changes ``hidden_size`` or the head count and
  the real ``head_dim`` is not ``hidden_size // num_attention_heads``, the
  ``head_dim`` is spelled out even when it equals the default, so the entry
  does not depend on whether a config class stores or derives it;
* ``aliases``: other hub ids that share exactly the same module tree
  (instruct/chat variants, re-uploads, renamed organisations).

``entry.config_dict()`` gives a dict that ``AutoConfig.for_model`` accepts:
``AutoConfig.for_model(d.pop("model_type"), **d)``.

The table is written by hand from published model facts (it is not generated
from ``config.json`` files) and this module deliberately imports neither torch
nor transformers, so that looking a model up stays cheap.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = ["CatalogueEntry", "all_ids", "entries", "lookup"]


@dataclass(frozen=True)
class CatalogueEntry:
    """Architecture facts for one base model (and the hub ids that share them)."""

    id: str
    model_type: str
    architectures: tuple[str, ...]
    fields: Mapping[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Freeze the mapping so that shared entries cannot be mutated by callers.
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))
        object.__setattr__(self, "architectures", tuple(self.architectures))
        object.__setattr__(self, "aliases", tuple(self.aliases))

    def __hash__(self) -> int:
        return hash((self.id, self.model_type, self.architectures, self.aliases))

    def config_dict(self) -> dict[str, Any]:
        """Return ``{"model_type": ..., "architectures": [...], **fields}`` (a fresh copy)."""
        return {
            "model_type": self.model_type,
            "architectures": list(self.architectures),
            **copy.deepcopy(dict(self.fields)),
        }

    @property
    def all_ids(self) -> tuple[str, ...]:
        """The canonical id followed by every alias."""
        return (self.id, *self.aliases)


_E = CatalogueEntry

# Shared field sets (several families reuse one architecture at one size).
_LLAMA3_8B: dict[str, Any] = {"vocab_size": 128256, "intermediate_size": 14336, "num_key_value_heads": 8}
_LLAMA_70B: dict[str, Any] = {
    "hidden_size": 8192,
    "intermediate_size": 28672,
    "num_hidden_layers": 80,
    "num_attention_heads": 64,
    "num_key_value_heads": 8,
}
_QWEN2_7B: dict[str, Any] = {
    "vocab_size": 152064,
    "hidden_size": 3584,
    "intermediate_size": 18944,
    "num_hidden_layers": 28,
    "num_attention_heads": 28,
    "num_key_value_heads": 4,
}
_QWEN2_0_5B: dict[str, Any] = {
    "hidden_size": 896,
    "intermediate_size": 4864,
    "num_hidden_layers": 24,
    "num_attention_heads": 14,
    "num_key_value_heads": 2,
    "tie_word_embeddings": True,
}
_QWEN2_1_5B: dict[str, Any] = {
    "hidden_size": 1536,
    "intermediate_size": 8960,
    "num_hidden_layers": 28,
    "num_attention_heads": 12,
    "num_key_value_heads": 2,
    "tie_word_embeddings": True,
}

_CATALOGUE: tuple[CatalogueEntry, ...] = (
    # ----------------------------------------------------------------- encoders / seq2seq
    # GPT2Config's defaults are gpt2 (124M) itself.
    _E("gpt2", "gpt2", ("GPT2LMHeadModel",), {}, ("openai-community/gpt2",)),
    _E(
        "gpt2-medium",
        "gpt2",
        ("GPT2LMHeadModel",),
        {"n_embd": 1024, "n_layer": 24, "n_head": 16},
        ("openai-community/gpt2-medium",),
    ),
    # BertConfig's defaults are bert-base-uncased.
    _E("bert-base-uncased", "bert", ("BertForMaskedLM",), {}, ("google-bert/bert-base-uncased",)),
    _E(
        "bert-base-cased",
        "bert",
        ("BertForMaskedLM",),
        {"vocab_size": 28996},
        ("google-bert/bert-base-cased",),
    ),
    _E(
        "roberta-base",
        "roberta",
        ("RobertaForMaskedLM",),
        # RoBERTa offsets positions by padding_idx + 1, hence a 514-row table.
        {"max_position_embeddings": 514, "type_vocab_size": 1},
        ("FacebookAI/roberta-base",),
    ),
    _E(
        "distilbert-base-uncased",
        "distilbert",
        ("DistilBertForMaskedLM",),
        {},
        ("distilbert/distilbert-base-uncased",),
    ),
    # T5Config's defaults are t5-small.
    _E("t5-small", "t5", ("T5ForConditionalGeneration",), {}, ("google-t5/t5-small",)),
    _E(
        "t5-base",
        "t5",
        ("T5ForConditionalGeneration",),
        {"d_model": 768, "d_ff": 3072, "num_layers": 12, "num_heads": 12},
        ("google-t5/t5-base",),
    ),
    # ----------------------------------------------------------------- Llama family
    # LlamaConfig's defaults are Llama-2-7b.
    _E(
        "meta-llama/Llama-2-7b-hf",
        "llama",
        ("LlamaForCausalLM",),
        {},
        ("NousResearch/Llama-2-7b-hf", "meta-llama/Llama-2-7b-chat-hf", "NousResearch/Llama-2-7b-chat-hf"),
    ),
    _E(
        "meta-llama/Llama-2-13b-hf",
        "llama",
        ("LlamaForCausalLM",),
        {
            "hidden_size": 5120,
            "intermediate_size": 13824,
            "num_hidden_layers": 40,
            "num_attention_heads": 40,
            "num_key_value_heads": 40,
        },
        ("meta-llama/Llama-2-13b-chat-hf", "NousResearch/Llama-2-13b-hf", "NousResearch/Llama-2-13b-chat-hf"),
    ),
    _E(
        "meta-llama/Llama-2-70b-hf",
        "llama",
        ("LlamaForCausalLM",),
        _LLAMA_70B,
        ("meta-llama/Llama-2-70b-chat-hf",),
    ),
    _E(
        "meta-llama/Meta-Llama-3-8B",
        "llama",
        ("LlamaForCausalLM",),
        _LLAMA3_8B,
        (
            "meta-llama/Meta-Llama-3-8B-Instruct",
            "NousResearch/Meta-Llama-3-8B",
            "NousResearch/Meta-Llama-3-8B-Instruct",
        ),
    ),
    _E(
        "meta-llama/Llama-3.1-8B",
        "llama",
        ("LlamaForCausalLM",),
        _LLAMA3_8B,
        (
            "meta-llama/Meta-Llama-3.1-8B",
            "meta-llama/Llama-3.1-8B-Instruct",
            "meta-llama/Meta-Llama-3.1-8B-Instruct",
            "unsloth/Meta-Llama-3.1-8B",
            "unsloth/Meta-Llama-3.1-8B-Instruct",
        ),
    ),
    _E(
        "meta-llama/Llama-3.1-70B",
        "llama",
        ("LlamaForCausalLM",),
        {**_LLAMA_70B, "vocab_size": 128256},
        (
            "meta-llama/Meta-Llama-3.1-70B",
            "meta-llama/Llama-3.1-70B-Instruct",
            "meta-llama/Meta-Llama-3.1-70B-Instruct",
        ),
    ),
    _E(
        "meta-llama/Llama-3.2-1B",
        "llama",
        ("LlamaForCausalLM",),
        {
            "vocab_size": 128256,
            "hidden_size": 2048,
            "intermediate_size": 8192,
            "num_hidden_layers": 16,
            "num_key_value_heads": 8,
            "tie_word_embeddings": True,
        },
        (
            "meta-llama/Llama-3.2-1B-Instruct",
            "unsloth/Llama-3.2-1B",
            "unsloth/Llama-3.2-1B-Instruct",
            "NousResearch/Llama-3.2-1B",
        ),
    ),
    _E(
        "meta-llama/Llama-3.2-3B",
        "llama",
        ("LlamaForCausalLM",),
        {
            "vocab_size": 128256,
            "hidden_size": 3072,
            "intermediate_size": 8192,
            "num_hidden_layers": 28,
            "num_attention_heads": 24,
            "num_key_value_heads": 8,
            "tie_word_embeddings": True,
        },
        ("meta-llama/Llama-3.2-3B-Instruct", "unsloth/Llama-3.2-3B", "unsloth/Llama-3.2-3B-Instruct"),
    ),
    # Code Llama 7B/13B (base and Instruct) add 16 infilling tokens; the Python variants do not.
    _E(
        "codellama/CodeLlama-7b-hf",
        "llama",
        ("LlamaForCausalLM",),
        {"vocab_size": 32016},
        ("meta-llama/CodeLlama-7b-hf", "codellama/CodeLlama-7b-Instruct-hf"),
    ),
    _E(
        "codellama/CodeLlama-13b-hf",
        "llama",
        ("LlamaForCausalLM",),
        {
            "vocab_size": 32016,
            "hidden_size": 5120,
            "intermediate_size": 13824,
            "num_hidden_layers": 40,
            "num_attention_heads": 40,
            "num_key_value_heads": 40,
        },
        ("meta-llama/CodeLlama-13b-hf", "codellama/CodeLlama-13b-Instruct-hf"),
    ),
    _E(
        "TinyLlama/TinyLlama-1.1B-Chat-v1.0",
        "llama",
        ("LlamaForCausalLM",),
        {
            "hidden_size": 2048,
            "intermediate_size": 5632,
            "num_hidden_layers": 22,
            "num_key_value_heads": 4,
        },
        (
            "TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T",
            "TinyLlama/TinyLlama_v1.1",
            "PY007/TinyLlama-1.1B-intermediate-step-715k-1.5T",
        ),
    ),
    _E(
        "HuggingFaceTB/SmolLM2-135M",
        "llama",
        ("LlamaForCausalLM",),
        {
            "vocab_size": 49152,
            "hidden_size": 576,
            "intermediate_size": 1536,
            "num_hidden_layers": 30,
            "num_attention_heads": 9,
            "num_key_value_heads": 3,
            "tie_word_embeddings": True,
        },
        ("HuggingFaceTB/SmolLM2-135M-Instruct",),
    ),
    # ----------------------------------------------------------------- Mistral family
    # MistralConfig's defaults are Mistral-7B-v0.1; v0.2 only changed RoPE/sliding window.
    _E(
        "mistralai/Mistral-7B-v0.1",
        "mistral",
        ("MistralForCausalLM",),
        {},
        ("mistralai/Mistral-7B-Instruct-v0.1", "mistralai/Mistral-7B-Instruct-v0.2"),
    ),
    # v0.3 extended the vocabulary to 32768.
    _E(
        "mistralai/Mistral-7B-v0.3",
        "mistral",
        ("MistralForCausalLM",),
        {"vocab_size": 32768},
        ("mistralai/Mistral-7B-Instruct-v0.3",),
    ),
    _E(
        "mistralai/Mistral-Nemo-Base-2407",
        "mistral",
        ("MistralForCausalLM",),
        # head_dim 128 is *not* hidden_size // num_attention_heads (160).
        {"vocab_size": 131072, "hidden_size": 5120, "num_hidden_layers": 40, "head_dim": 128},
        ("mistralai/Mistral-Nemo-Instruct-2407",),
    ),
    # MixtralConfig's defaults are Mixtral-8x7B.
    _E(
        "mistralai/Mixtral-8x7B-v0.1",
        "mixtral",
        ("MixtralForCausalLM",),
        {},
        ("mistralai/Mixtral-8x7B-Instruct-v0.1",),
    ),
    # ----------------------------------------------------------------- Qwen family
    _E("Qwen/Qwen2-0.5B", "qwen2", ("Qwen2ForCausalLM",), _QWEN2_0_5B, ("Qwen/Qwen2-0.5B-Instruct",)),
    _E("Qwen/Qwen2-1.5B", "qwen2", ("Qwen2ForCausalLM",), _QWEN2_1_5B, ("Qwen/Qwen2-1.5B-Instruct",)),
    _E("Qwen/Qwen2-7B", "qwen2", ("Qwen2ForCausalLM",), _QWEN2_7B, ("Qwen/Qwen2-7B-Instruct",)),
    _E("Qwen/Qwen2.5-0.5B", "qwen2", ("Qwen2ForCausalLM",), _QWEN2_0_5B, ("Qwen/Qwen2.5-0.5B-Instruct",)),
    _E("Qwen/Qwen2.5-1.5B", "qwen2", ("Qwen2ForCausalLM",), _QWEN2_1_5B, ("Qwen/Qwen2.5-1.5B-Instruct",)),
    _E(
        "Qwen/Qwen2.5-3B",
        "qwen2",
        ("Qwen2ForCausalLM",),
        {
            "hidden_size": 2048,
            "intermediate_size": 11008,
            "num_hidden_layers": 36,
            "num_attention_heads": 16,
            "num_key_value_heads": 2,
            "tie_word_embeddings": True,
        },
        ("Qwen/Qwen2.5-3B-Instruct",),
    ),
    _E("Qwen/Qwen2.5-7B", "qwen2", ("Qwen2ForCausalLM",), _QWEN2_7B, ("Qwen/Qwen2.5-7B-Instruct",)),
    _E(
        "Qwen/Qwen2.5-14B",
        "qwen2",
        ("Qwen2ForCausalLM",),
        {
            "vocab_size": 152064,
            "hidden_size": 5120,
            "intermediate_size": 13824,
            "num_hidden_layers": 48,
            "num_attention_heads": 40,
            "num_key_value_heads": 8,
        },
        ("Qwen/Qwen2.5-14B-Instruct",),
    ),
    _E(
        "Qwen/Qwen2.5-32B",
        "qwen2",
        ("Qwen2ForCausalLM",),
        {
            "vocab_size": 152064,
            "hidden_size": 5120,
            "intermediate_size": 27648,
            "num_hidden_layers": 64,
            "num_attention_heads": 40,
            "num_key_value_heads": 8,
        },
        ("Qwen/Qwen2.5-32B-Instruct",),
    ),
    # Qwen3 uses head_dim 128 at every size (Qwen3Config's default), whatever hidden_size is.
    _E(
        "Qwen/Qwen3-0.6B",
        "qwen3",
        ("Qwen3ForCausalLM",),
        {
            "hidden_size": 1024,
            "intermediate_size": 3072,
            "num_hidden_layers": 28,
            "num_attention_heads": 16,
            "num_key_value_heads": 8,
            "head_dim": 128,
            "tie_word_embeddings": True,
        },
    ),
    _E(
        "Qwen/Qwen3-1.7B",
        "qwen3",
        ("Qwen3ForCausalLM",),
        {
            "hidden_size": 2048,
            "intermediate_size": 6144,
            "num_hidden_layers": 28,
            "num_attention_heads": 16,
            "num_key_value_heads": 8,
            "tie_word_embeddings": True,
        },
    ),
    _E(
        "Qwen/Qwen3-4B",
        "qwen3",
        ("Qwen3ForCausalLM",),
        {
            "hidden_size": 2560,
            "intermediate_size": 9728,
            "num_hidden_layers": 36,
            "num_key_value_heads": 8,
            "head_dim": 128,
            "tie_word_embeddings": True,
        },
        ("Qwen/Qwen3-4B-Instruct-2507",),
    ),
    _E(
        "Qwen/Qwen3-8B",
        "qwen3",
        ("Qwen3ForCausalLM",),
        {
            "intermediate_size": 12288,
            "num_hidden_layers": 36,
            "num_key_value_heads": 8,
        },
    ),
    _E(
        "Qwen/Qwen3-14B",
        "qwen3",
        ("Qwen3ForCausalLM",),
        {
            "hidden_size": 5120,
            "intermediate_size": 17408,
            "num_hidden_layers": 40,
            "num_attention_heads": 40,
            "num_key_value_heads": 8,
        },
    ),
    _E(
        "Qwen/Qwen3-32B",
        "qwen3",
        ("Qwen3ForCausalLM",),
        {
            "hidden_size": 5120,
            "intermediate_size": 25600,
            "num_hidden_layers": 64,
            "num_attention_heads": 64,
            "num_key_value_heads": 8,
            "head_dim": 128,
        },
    ),
    # Qwen3MoeConfig's defaults are the 30B-A3B shape except depth and head_dim
    # (head_dim 128, not 2048 // 32).
    _E(
        "Qwen/Qwen3-30B-A3B",
        "qwen3_moe",
        ("Qwen3MoeForCausalLM",),
        # (128 experts of width 768, 8 active, 4 KV heads are all defaults.)
        {"num_hidden_layers": 48, "head_dim": 128},
    ),
    # Qwen2MoeConfig's defaults are Qwen1.5-MoE-A2.7B.
    _E(
        "Qwen/Qwen1.5-MoE-A2.7B",
        "qwen2_moe",
        ("Qwen2MoeForCausalLM",),
        {},
        ("Qwen/Qwen1.5-MoE-A2.7B-Chat",),
    ),
    # ----------------------------------------------------------------- Gemma family
    # GemmaConfig's defaults are gemma-7b (head_dim 256, vocab 256000).
    _E(
        "google/gemma-2b",
        "gemma",
        ("GemmaForCausalLM",),
        {
            "hidden_size": 2048,
            "intermediate_size": 16384,
            "num_hidden_layers": 18,
            "num_attention_heads": 8,
            "num_key_value_heads": 1,
        },
        ("google/gemma-2b-it",),
    ),
    _E("google/gemma-7b", "gemma", ("GemmaForCausalLM",), {}, ("google/gemma-7b-it",)),
    # Gemma2Config's defaults are gemma-2-2b.
    _E("google/gemma-2-2b", "gemma2", ("Gemma2ForCausalLM",), {}, ("google/gemma-2-2b-it",)),
    _E(
        "google/gemma-2-9b",
        "gemma2",
        ("Gemma2ForCausalLM",),
        {
            "hidden_size": 3584,
            "intermediate_size": 14336,
            "num_hidden_layers": 42,
            "num_attention_heads": 16,
            "num_key_value_heads": 8,
            "head_dim": 256,
        },
        ("google/gemma-2-9b-it",),
    ),
    _E(
        "google/gemma-2-27b",
        "gemma2",
        ("Gemma2ForCausalLM",),
        {
            "hidden_size": 4608,
            "intermediate_size": 36864,
            "num_hidden_layers": 46,
            "num_attention_heads": 32,
            "num_key_value_heads": 16,
            "head_dim": 128,
        },
        ("google/gemma-2-27b-it",),
    ),
    _E(
        "google/gemma-3-1b-it",
        "gemma3_text",
        ("Gemma3ForCausalLM",),
        {
            "vocab_size": 262144,
            "hidden_size": 1152,
            "intermediate_size": 6912,
            "num_attention_heads": 4,
            "num_key_value_heads": 1,
            "head_dim": 256,
        },
        ("google/gemma-3-1b-pt",),
    ),
    # ----------------------------------------------------------------- Phi family
    # Phi3Config's defaults are Phi-3-mini (vocab 32064); Phi-3.5-mini keeps the same shapes.
    _E("microsoft/Phi-3-mini-4k-instruct", "phi3", ("Phi3ForCausalLM",), {}),
    _E("microsoft/Phi-3.5-mini-instruct", "phi3", ("Phi3ForCausalLM",), {}),
    _E(
        "microsoft/phi-4",
        "phi3",
        ("Phi3ForCausalLM",),
        {
            "vocab_size": 100352,
            "hidden_size": 5120,
            "intermediate_size": 17920,
            "num_hidden_layers": 40,
            "num_attention_heads": 40,
            "num_key_value_heads": 10,
        },
    ),
    # PhiConfig's defaults are phi-1.5; phi-2 is wider and deeper.
    _E(
        "microsoft/phi-2",
        "phi",
        ("PhiForCausalLM",),
        {"hidden_size": 2560, "intermediate_size": 10240, "num_hidden_layers": 32},
    ),
    # ----------------------------------------------------------------- older decoder families
    # OPTConfig's defaults are opt-125m.
    _E("facebook/opt-125m", "opt", ("OPTForCausalLM",), {}),
    _E(
        "facebook/opt-350m",
        "opt",
        ("OPTForCausalLM",),
        # opt-350m projects 512-d embeddings in/out and has no final layer norm (post-LN).
        {
            "hidden_size": 1024,
            "ffn_dim": 4096,
            "num_hidden_layers": 24,
            "num_attention_heads": 16,
            "word_embed_proj_dim": 512,
            "do_layer_norm_before": False,
        },
    ),
    _E(
        "EleutherAI/pythia-160m",
        "gpt_neox",
        ("GPTNeoXForCausalLM",),
        {
            "vocab_size": 50304,
            "hidden_size": 768,
            "intermediate_size": 3072,
            "num_hidden_layers": 12,
            "num_attention_heads": 12,
        },
        ("EleutherAI/pythia-160m-deduped",),
    ),
    _E(
        "EleutherAI/pythia-1b",
        "gpt_neox",
        ("GPTNeoXForCausalLM",),
        {
            "vocab_size": 50304,
            "hidden_size": 2048,
            "intermediate_size": 8192,
            "num_hidden_layers": 16,
            "num_attention_heads": 8,
        },
        ("EleutherAI/pythia-1b-deduped",),
    ),
    # GPTNeoXConfig's defaults are gpt-neox-20b.
    _E("EleutherAI/gpt-neox-20b", "gpt_neox", ("GPTNeoXForCausalLM",), {}),
    # FalconConfig's defaults are falcon-7b: hidden 4544, 32 layers, 71 heads, vocab 65024,
    # multi_query, parallel_attn, no bias, old decoder architecture. The legacy hub revision
    # says model_type "RefinedWebModel"; transformers' "falcon" covers it with the same modules.
    _E("tiiuae/falcon-7b", "falcon", ("FalconForCausalLM",), {}, ("tiiuae/falcon-7b-instruct",)),
    _E(
        "bigscience/bloom-560m",
        "bloom",
        ("BloomForCausalLM",),
        {"hidden_size": 1024, "n_layer": 24, "n_head": 16},
    ),
    # ----------------------------------------------------------------- DeepSeek / OpenAI MoE
    _E(
        "deepseek-ai/DeepSeek-V2-Lite",
        "deepseek_v2",
        ("DeepseekV2ForCausalLM",),
        # V2-Lite has no query LoRA (q_proj instead of q_a_proj/q_b_proj) and a dense first layer.
        {
            "hidden_size": 2048,
            "intermediate_size": 10944,
            "num_hidden_layers": 27,
            "num_attention_heads": 16,
            "num_key_value_heads": 16,
            "q_lora_rank": None,
            "first_k_dense_replace": 1,
            "moe_intermediate_size": 1408,
            "num_experts_per_tok": 6,
        },
        ("deepseek-ai/DeepSeek-V2-Lite-Chat",),
    ),
    # DeepseekV3Config's defaults are DeepSeek-V3 (671B); R1 shares the architecture.
    _E(
        "deepseek-ai/DeepSeek-V3",
        "deepseek_v3",
        ("DeepseekV3ForCausalLM",),
        {},
        (
            "deepseek-ai/DeepSeek-V3-Base",
            "deepseek-ai/DeepSeek-V3-0324",
            "deepseek-ai/DeepSeek-R1",
            "opensourcerelease/DeepSeek-V3-bf16",
        ),
    ),
    _E(
        "openai/gpt-oss-20b",
        "gpt_oss",
        ("GptOssForCausalLM",),
        {"num_hidden_layers": 24, "num_local_experts": 32},
        ("openai/gpt-oss-safeguard-20b",),
    ),
)


def _build_index(table: tuple[CatalogueEntry, ...]) -> dict[str, CatalogueEntry]:
    index: dict[str, CatalogueEntry] = {}
    for entry in table:
        for model_id in entry.all_ids:
            key = _normalise(model_id)
            if key in index:
                raise ValueError(f"duplicate catalogue id {model_id!r} ({index[key].id} and {entry.id})")
            index[key] = entry
    return index


def _normalise(model_id: str) -> str:
    return model_id.strip().rstrip("/").lower()


_INDEX: dict[str, CatalogueEntry] = _build_index(_CATALOGUE)


def lookup(model_id: str) -> CatalogueEntry | None:
    """Return the entry for ``model_id`` (canonical id or alias, case-insensitive), or ``None``.

    Surrounding whitespace and a trailing ``/`` are ignored.
    """
    if not isinstance(model_id, str):
        return None
    return _INDEX.get(_normalise(model_id))


def entries() -> tuple[CatalogueEntry, ...]:
    """All canonical entries, each once, in table order."""
    return _CATALOGUE


def all_ids() -> list[str]:
    """Every canonical id and alias in the catalogue, sorted."""
    return sorted(model_id for entry in _CATALOGUE for model_id in entry.all_ids)
