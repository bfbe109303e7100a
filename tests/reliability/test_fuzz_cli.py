"""Fuzzing the whole command: random LoRA-shaped configs over catalogue models, and random files.

Each example runs ``lora_lint.cli.main`` in this process with ``--offline --format json``; it must
end with exit code 0 or 1 (never 2, the internal-error code), print no traceback, and print a JSON
report that parses. Models are built once per session into a temporary lora-lint cache.

``LORA_LINT_FUZZ_SCALE`` multiplies the number of examples (default 1, sized for CI). Under CI (``CI`` set)
the examples are derandomized, so a run fails only on a change; locally each run explores new ones.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st
from reliability_helpers import Run, assert_clean_exit, fuzz, lint

CLI = fuzz(80)

MODELS = [
    "gpt2",
    "facebook/opt-125m",
    "HuggingFaceTB/SmolLM2-135M",
    "t5-small",
    "bert-base-uncased",
    "Qwen/Qwen3-30B-A3B",
    "some-org/not-in-the-catalogue",
    "../../etc",
]
NAMES = [
    "q_proj",
    "k_proj",
    "v_proj",
    "o_proj",
    "gate_proj",
    "up_proj",
    "down_proj",
    "c_attn",
    "c_proj",
    "attn.c_proj",
    "mlp.c_fc",
    "query",
    "value",
    "dense",
    "fc1",
    "fc2",
    "lm_head",
    "embed_tokens",
    "wte",
    "experts",
    "mlp.experts",
    "gate",
    "all-linear",
    "q",
    "v",
    "SelfAttention",
    "",
    ".",
    "*",
    "layers",
]
REGEXES = [
    r".*\.q_proj",
    r".*(q|v)_proj$",
    r"model\.layers\.\d+\.self_attn\..*",
    "(",
    "[a-",
    r"\d{999999}",
    ".*",
]

text = st.text(max_size=20)
catalogue = st.sampled_from(MODELS[:6])
model = st.one_of(
    catalogue, catalogue, catalogue, st.sampled_from(MODELS), st.none() | st.integers() | st.text(max_size=20)
)
number = st.integers(min_value=-(2**40), max_value=2**40) | st.floats(allow_nan=True)
anything = st.none() | st.booleans() | number | text
names = st.lists(st.sampled_from(NAMES) | text, max_size=6)
target = st.one_of(
    names, names, st.sampled_from(REGEXES), st.sampled_from(["all-linear", "all_linear"]), anything
)
layer_index = st.integers(min_value=-3, max_value=200)
# YAML keys need not be strings: `rank_pattern: {1: 4, q_proj: 8}` mixes ints and names.
pattern_key = st.sampled_from(NAMES) | text | st.integers(-3, 50) | st.booleans() | st.none()

PEFT_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "r": st.one_of(
        st.integers(min_value=1, max_value=64), st.integers(min_value=-2, max_value=2**40), anything
    ),
    "lora_alpha": st.integers(min_value=-2, max_value=512) | anything,
    "lora_dropout": st.floats(min_value=0, max_value=1) | anything,
    "target_modules": target,
    "exclude_modules": target,
    "modules_to_save": names | anything,
    "layers_to_transform": st.lists(layer_index, max_size=4) | layer_index | anything,
    "layers_pattern": st.sampled_from(["layers", "h", "block", "layer"]) | anything,
    "rank_pattern": st.dictionaries(pattern_key, st.integers(-1, 64) | anything, max_size=3),
    "alpha_pattern": st.dictionaries(pattern_key, st.integers(-1, 64) | anything, max_size=3),
    "bias": st.sampled_from(["none", "all", "lora_only"]) | anything,
    "task_type": st.sampled_from(["CAUSAL_LM", "SEQ_CLS", "SEQ_2_SEQ_LM", "TOKEN_CLS", "NOPE"]) | anything,
    "use_dora": st.booleans() | anything,
    "use_rslora": st.booleans(),
    "fan_in_fan_out": st.booleans(),
    "init_lora_weights": st.booleans() | st.sampled_from(["gaussian", "pissa", "olora", "loftq"]),
    "target_parameters": st.lists(
        st.sampled_from(["mlp.experts.gate_up_proj", "mlp.experts.down_proj"]) | text, max_size=3
    )
    | anything,
    "trainable_token_indices": st.lists(st.integers(-5, 10**6), max_size=3) | anything,
    "peft_type": st.sampled_from(["LORA", "LOHA", "IA3"]),
    "revision": anything,
}


@st.composite
def peft_config(draw: st.DrawFn) -> dict[str, Any]:
    config: dict[str, Any] = {"base_model_name_or_path": draw(model)}
    if draw(st.integers(0, 3)):
        config["target_modules"] = draw(names)
    for key in draw(st.lists(st.sampled_from(sorted(PEFT_FIELDS)), max_size=6, unique=True)):
        config[key] = draw(PEFT_FIELDS[key])
    config.setdefault("peft_type", "LORA")
    return config


@st.composite
def axolotl_config(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "base_model": draw(model),
        "adapter": draw(st.sampled_from(["lora", "qlora"]) | anything),
        "lora_r": draw(st.integers(-1, 128) | anything),
        "lora_alpha": draw(st.integers(-1, 128) | anything),
        "lora_target_modules": draw(target),
        "lora_target_linear": draw(st.booleans() | anything),
        "lora_modules_to_save": draw(names | anything),
        "trust_remote_code": draw(st.booleans()),
    }


def _lint_folder(files: dict[str, bytes], *extra: str) -> Run:
    with tempfile.TemporaryDirectory() as folder:
        for name, content in files.items():
            (Path(folder) / name).write_bytes(content)
        run = lint(".", "--offline", "--isolated", "--format", "json", *extra, cwd=Path(folder))
    assert_clean_exit(run)
    json.loads(run.out)
    return run


def _serialise(config: dict[str, Any], as_json: bool) -> tuple[str, bytes]:
    if as_json:
        return "adapter_config.json", json.dumps(config).encode()
    return "config.yaml", yaml.safe_dump(config, allow_unicode=True).encode()


@CLI
@given(config=peft_config(), as_json=st.booleans(), exact=st.booleans())
def test_random_peft_configs(config: dict[str, Any], as_json: bool, exact: bool) -> None:
    name, content = _serialise(config, as_json)
    _lint_folder({name: content}, *(["--exact"] if exact else []))


@CLI
@given(config=axolotl_config(), strict=st.booleans())
def test_random_axolotl_configs(config: dict[str, Any], strict: bool) -> None:
    _lint_folder({"train.yaml": yaml.safe_dump(config).encode()}, *(["--strict"] if strict else []))


@fuzz(120)
@given(
    data=st.binary(max_size=400) | st.text(max_size=400).map(str.encode),
    suffix=st.sampled_from([".yaml", ".yml", ".json", ".py"]),
    fmt=st.sampled_from(["text", "json", "github", "sarif"]),
)
def test_random_files(data: bytes, suffix: str, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / ("fuzz" + suffix)).write_bytes(data)
        run = lint(".", "--offline", "--isolated", "--include-python", "--format", fmt, cwd=Path(folder))
    assert_clean_exit(run)
    if fmt in ("json", "sarif"):
        json.loads(run.out)


@fuzz(50)
@given(config=peft_config(), cut=st.integers(min_value=0, max_value=400), junk=st.binary(max_size=8))
def test_truncated_and_corrupted_configs(config: dict[str, Any], cut: int, junk: bytes) -> None:
    """A real config cut short or with bytes spliced in, as an interrupted write leaves it."""
    for as_json in (False, True):
        name, content = _serialise(config, as_json)
        _lint_folder({name: content[:cut] + junk + content[cut:][: len(junk)]})


PYTHON_PIECES = [
    "from peft import LoraConfig\n",
    "LoraConfig(",
    ")",
    "r=",
    "8",
    "-1",
    "target_modules=",
    "[",
    "]",
    "'q_proj'",
    ", ",
    "\n",
    "    ",
    "(",
    "**kw",
    "lambda: ",
    "f'{x}'",
    "\\",
    "#",
    "'''",
    "import os; os.system('x')\n",
    "config = ",
    "get_peft_model(model, ",
    "base_model_name_or_path=",
    "'gpt2'",
    "task_type=",
    "'CAUSAL_LM'",
]


@fuzz(60)
@given(pieces=st.lists(st.sampled_from(PYTHON_PIECES), max_size=30))
def test_python_shaped_files(pieces: list[str]) -> None:
    """Training scripts are parsed with ``ast`` only; any text gives a report, never a crash."""
    _lint_folder({"train.py": "".join(pieces).encode()}, "--include-python")
