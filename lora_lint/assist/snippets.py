"""Config snippets, ready to paste, for each framework the linter reads.

Each framework's own layer in front of PEFT is respected: TRL turns a one-entry list into a regex
string, LLaMA-Factory takes a comma list of names (no regex), torchtune and mlx-lm use their own
module trees and keys.
"""

from __future__ import annotations

import re

from lora_lint.assist.spelling import full_names
from lora_lint.assist.suggest import StrategyResult, Suggestion

FRAMEWORKS = ("peft", "axolotl", "llama-factory", "trl", "torchtune", "mlx-lm")
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_./\-]*$")
# transformers model_type -> torchtune model package (torchtune builds its own module tree).
TORCHTUNE = {
    "llama": "llama3_2 / llama3_1 / llama2 (pick the one for this checkpoint)",
    "mistral": "mistral",
    "qwen2": "qwen2_5 / qwen2",
    "qwen3": "qwen3",
    "gemma": "gemma",
    "gemma2": "gemma2",
    "phi3": "phi3",
}
TORCHTUNE_ATTENTION = {"q": "q_proj", "k": "k_proj", "v": "v_proj", "o": "output_proj"}


def scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in {"true", "false", "null", "yes", "no", "on", "off"}:
        return text
    return "'" + text.replace("'", "''") + "'"


def flow(values: list[str]) -> str:
    return "[" + ", ".join(scalar(v) for v in values) + "]"


def _quant(suggestion: Suggestion) -> str | None:
    return suggestion.options.memory.quantize


def _explicit(result: StrategyResult) -> list[str] | str:
    """An explicit spelling (never the `all-linear` shorthand, which frameworks expand differently)."""
    if result.spelling is not None:
        return result.spelling.value
    return result.target_modules or []


def _names_only(suggestion: Suggestion, result: StrategyResult) -> tuple[list[str], str | None]:
    """A list of names for frameworks without regex support; full module names when a regex was needed."""
    value = _explicit(result)
    if isinstance(value, list):
        return value, None
    names = full_names(result.spelling.modules if result.spelling else [], suggestion.inventory)
    return names, "this selection has no short list spelling, so every module is named in full"


def peft(suggestion: Suggestion, result: StrategyResult) -> str:
    opts = suggestion.options
    lines = ["# PEFT LoraConfig fields: LoraConfig(**yaml.safe_load(text)), or an adapter_config.json"]
    lines.append(f"base_model_name_or_path: {scalar(suggestion.loaded.model_id)}")
    if suggestion.loaded.task_type:
        lines.append(f"task_type: {suggestion.loaded.task_type}")
    lines += [
        f"r: {opts.r}",
        f"lora_alpha: {scalar(float(opts.alpha))}",
        f"lora_dropout: {scalar(result.dropout)}",
    ]
    value = result.target_modules
    lines.append(f"target_modules: {flow(value) if isinstance(value, list) else scalar(value)}")
    if bits := _quant(suggestion):
        lines.insert(1, f"# load the base model with BitsAndBytesConfig(load_in_{bits[0]}bit=True)")
    return "\n".join(lines) + "\n"


def axolotl(suggestion: Suggestion, result: StrategyResult) -> str:
    opts = suggestion.options
    quant = _quant(suggestion)
    lines = [
        f"base_model: {scalar(suggestion.loaded.model_id)}",
        f"adapter: {'qlora' if quant == '4bit' else 'lora'}",
    ]
    if quant:
        lines.append(f"load_in_{quant[0]}bit: true")
    lines += [
        f"lora_r: {opts.r}",
        f"lora_alpha: {scalar(float(opts.alpha))}",
        f"lora_dropout: {scalar(result.dropout)}",
    ]
    value = _explicit(result)
    if isinstance(value, str):
        lines.append(f"lora_target_modules: {scalar(value)}")
    else:
        lines.append("lora_target_modules:")
        lines += [f"  - {scalar(v)}" for v in value]
    return "\n".join(lines) + "\n"


def llama_factory(suggestion: Suggestion, result: StrategyResult) -> str:
    opts = suggestion.options
    names, why = _names_only(suggestion, result)
    lines = [
        f"model_name_or_path: {scalar(suggestion.loaded.model_id)}",
        "stage: sft",
        "finetuning_type: lora",
    ]
    if bits := _quant(suggestion):
        lines.append(f"quantization_bit: {bits[0]}")
    lines += [
        f"lora_rank: {opts.r}",
        f"lora_alpha: {scalar(float(opts.alpha))}",
        f"lora_dropout: {scalar(result.dropout)}",
    ]
    if why:
        lines.append(f"# {why}")
    lines.append(f"lora_target: {scalar(','.join(names))}")
    return "\n".join(lines) + "\n"


def trl(suggestion: Suggestion, result: StrategyResult) -> str:
    opts = suggestion.options
    value = result.target_modules
    lines = [f"model_name_or_path: {scalar(suggestion.loaded.model_id)}", "use_peft: true"]
    if bits := _quant(suggestion):
        lines.append(f"load_in_{bits[0]}bit: true")
    lines += [
        f"lora_r: {opts.r}",
        f"lora_alpha: {scalar(float(opts.alpha))}",
        f"lora_dropout: {scalar(result.dropout)}",
    ]
    if suggestion.loaded.task_type:
        lines.append(f"lora_task_type: {suggestion.loaded.task_type}")
    if isinstance(value, list) and len(value) == 1:
        # TRL turns a one-entry list into a bare string, which PEFT full-matches as a regex.
        lines.append("# one entry: TRL passes it as a regex string, so it is spelled as one")
        lines.append(f"lora_target_modules: {flow([_suffix_regex(value[0])])}")
    elif isinstance(value, list):
        lines.append(f"lora_target_modules: {flow(value)}")
    else:
        lines.append(f"lora_target_modules: {flow([value or ''])}")
    return "\n".join(lines) + "\n"


def _suffix_regex(entry: str) -> str:
    """A regex with PEFT's list semantics for one entry: the full name or a ``.``-suffix."""
    return r"(?:.*\.)?" + re.escape(entry)


_TT_FAMILIES = (
    "code_llama2",
    "llama3_2_vision",
    "llama3_3",
    "llama3_2",
    "llama3_1",
    "llama3",
    "llama2",
    "mistral",
    "gemma2",
    "gemma",
    "phi3",
    "phi4",
    "qwen2_5",
    "qwen2",
    "qwen3",
)


def torchtune_builder(model_id: str) -> str | None:
    """The torchtune LoRA builder for a Hugging Face id, from the torchtune adapter's own table."""
    from lora_lint.extract.torchtune import BUILDERS
    from lora_lint.models import catalogue

    entry = catalogue.lookup(model_id)
    ids = {model_id.lower()} | ({i.lower() for i in entry.all_ids} if entry is not None else set())
    for builder, hf_id in BUILDERS.items():
        if hf_id.lower() in ids:
            family = next((f for f in _TT_FAMILIES if builder.startswith(f)), None)
            if family is not None:
                return f"torchtune.models.{family}.lora_{builder}"
    return None


def torchtune(suggestion: Suggestion, result: StrategyResult) -> str:
    opts = suggestion.options
    inv = suggestion.inventory
    builder = torchtune_builder(suggestion.loaded.model_id)
    family = TORCHTUNE.get(inv.model_type)
    if builder is None and family is None:
        return (
            f"# torchtune has no builder for model_type `{inv.model_type}`; it builds its own module tree, "
            "so use the peft, trl or axolotl snippet\n"
        )
    component = builder or f"torchtune.models.<{family}>.lora_<size>  # the builder for this checkpoint"
    modules = result.spelling.modules if result.spelling is not None else frozenset()
    kinds = {inv.role(n).kind for n in modules}
    attention = [name for kind, name in TORCHTUNE_ATTENTION.items() if kind in kinds]
    mlp = any(inv.role(n).group in {"mlp", "experts"} for n in modules)
    lines = [
        "model:",
        f"  _component_: {component}",
        f"  lora_attn_modules: {flow(attention)}",
        f"  apply_lora_to_mlp: {scalar(mlp)}",
        "  apply_lora_to_output: false",
        f"  lora_rank: {opts.r}",
        f"  lora_alpha: {scalar(float(opts.alpha))}",
        f"  lora_dropout: {scalar(result.dropout)}",
    ]
    if "qkv" in kinds or "kv" in kinds or "gate_up" in kinds:
        lines.insert(0, "# torchtune splits fused projections into q_proj/k_proj/v_proj (and w1/w3)")
    return "\n".join(lines) + "\n"


def mlx_lm(suggestion: Suggestion, result: StrategyResult) -> str:
    opts = suggestion.options
    modules = result.spelling.modules if result.spelling is not None else frozenset()
    keys: dict[str, None] = {}
    outside = 0
    blocks: set[str] = set()
    for name in full_names(modules, suggestion.inventory):
        match = re.match(r"^(.*?\.\d+)\.(.+)$", name)
        if match is None:
            outside += 1
            continue
        blocks.add(match.group(1))
        keys.setdefault(match.group(2), None)
    lines = [
        f"model: {scalar(suggestion.loaded.model_id)}",
        "fine_tune_type: lora",
        f"num_layers: {len(blocks) or -1}",
        "lora_parameters:",
        f"  keys: {flow(list(keys))}",
        f"  rank: {opts.r}",
        f"  scale: {scalar(float(opts.alpha) / opts.r)}  # PEFT's lora_alpha / r",
        f"  dropout: {scalar(result.dropout)}",
    ]
    if outside:
        lines.insert(
            0, f"# {outside} selected layers sit outside the repeated blocks; mlx-lm keys cannot reach them"
        )
    if _quant(suggestion):
        lines.insert(0, "# use a quantized mlx-community checkpoint for QLoRA")
    return "\n".join(lines) + "\n"


RENDERERS = {
    "peft": peft,
    "axolotl": axolotl,
    "llama-factory": llama_factory,
    "trl": trl,
    "torchtune": torchtune,
    "mlx-lm": mlx_lm,
}


def snippet(framework: str, suggestion: Suggestion, strategy: str) -> str:
    return RENDERERS[framework](suggestion, suggestion.strategies[strategy])
