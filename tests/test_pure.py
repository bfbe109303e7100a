"""The pure-Python predictor equals PEFT's own ``get_peft_model``, on generated cases and on the corpus.

Hypothesis draws LoraConfig kwargs from each architecture's real module names (leaf names, dotted
suffixes, full names, regexes, all-linear, exclusions, layer selections, rank/alpha patterns,
modules_to_save, bias modes, DoRA, lora_bias, target_parameters) and both predictors must give the
same wrapped modules in the same order, with the same ranks, alphas and parameter counts, the same
modules_to_save copies, trainable and total counts, and the same failure. A case the pure
predictor does not cover must say so (``NotCovered``: the linter then asks PEFT); the test also
requires most drawn cases to be covered, so it cannot pass by declining everything.
"""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lora_lint.models.inventory import Built, build
from lora_lint.predict import peft_backed, pure
from lora_lint.predict.base import Prediction

# name -> (config.json, task_type). Small widths keep each get_peft_model call in milliseconds.
ARCHS: dict[str, tuple[dict[str, Any], str | None]] = {
    "gpt2": ({"model_type": "gpt2", "n_layer": 3, "n_embd": 64, "n_head": 4, "vocab_size": 128}, None),
    "llama": (
        {
            "model_type": "llama",
            "hidden_size": 64,
            "intermediate_size": 96,
            "num_hidden_layers": 3,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "vocab_size": 128,
            "tie_word_embeddings": False,
        },
        "CAUSAL_LM",
    ),
    "bert-seq-cls": (
        {
            "model_type": "bert",
            "hidden_size": 64,
            "intermediate_size": 96,
            "num_hidden_layers": 3,
            "num_attention_heads": 4,
            "vocab_size": 128,
        },
        "SEQ_CLS",
    ),
    "roberta-token-cls": (
        {
            "model_type": "roberta",
            "hidden_size": 64,
            "intermediate_size": 96,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "vocab_size": 128,
        },
        "TOKEN_CLS",
    ),
    "t5": (
        {
            "model_type": "t5",
            "d_model": 64,
            "d_ff": 96,
            "d_kv": 16,
            "num_heads": 4,
            "num_layers": 2,
            "num_decoder_layers": 2,
            "vocab_size": 128,
        },
        "SEQ_2_SEQ_LM",
    ),
    "phimoe": (
        {
            "model_type": "phimoe",
            "hidden_size": 64,
            "intermediate_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "num_local_experts": 4,
            "vocab_size": 128,
        },
        "CAUSAL_LM",
    ),
    "mixtral": (
        {
            "model_type": "mixtral",
            "hidden_size": 64,
            "intermediate_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "num_local_experts": 4,
            "vocab_size": 128,
        },
        "CAUSAL_LM",
    ),
    "resnet": (
        {"model_type": "resnet", "embedding_size": 16, "hidden_sizes": [16, 32], "depths": [1, 1]},
        None,
    ),
}

_BUILT: dict[str, Built] = {}


def built(arch: str) -> Built:
    if arch not in _BUILT:
        config, task = ARCHS[arch]
        _BUILT[arch] = build(config, arch, task_type=task)
    return _BUILT[arch]


def peft_prediction(arch: str, kwargs: dict[str, Any]) -> Prediction:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return peft_backed.predict(built(arch), kwargs, ARCHS[arch][1])


def assert_same(mine: Prediction, theirs: Prediction, label: str) -> None:
    assert mine.failure == theirs.failure, label
    assert mine.wrapped == theirs.wrapped, label
    assert mine.saved == theirs.saved, label
    assert (mine.trainable, mine.total) == (theirs.trainable, theirs.total), label
    assert mine.modules == theirs.modules, label
    assert mine.renamed == theirs.renamed, label


# ---------------------------------------------------------------------------------------------
# Tables copied from peft as facts must still match the installed peft.


def test_default_targets_match_peft() -> None:
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING

    assert pure.DEFAULT_TARGETS == TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING


def test_default_only_fields_match_lora_config_defaults() -> None:
    import dataclasses

    from peft import LoraConfig

    defaults = {f.name: f for f in dataclasses.fields(LoraConfig)}
    for name, allowed in pure.DEFAULT_ONLY.items():
        f = defaults[name]
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        assert default in allowed, name
    known = set(pure.DEFAULT_ONLY) | set(pure.HANDLED) | {"runtime_config", "peft_type", "auto_mapping"}
    known |= {"peft_version", "base_model_name_or_path", "revision"}
    assert set(defaults) <= known, set(defaults) - known


def test_moe_patterns_match_peft() -> None:
    from peft.utils.transformers_weight_conversion import _MOE_TARGET_MODULE_MAPPING

    assert set(_MOE_TARGET_MODULE_MAPPING) == pure.MOE_PATTERNS


def test_peft_gate() -> None:
    assert pure.peft_gate("0.21.2") is None
    assert pure.peft_gate("0.21.0") is None
    assert pure.peft_gate(None) is None
    newer = pure.peft_gate("0.22.0")
    assert newer is not None and "newer" in newer
    assert pure.peft_gate("0.21.3.dev0") is not None
    assert pure.peft_gate("0.19.1") is not None


def test_condense_examples() -> None:
    targets = [f"model.layers.{i}.self_attn.q_proj" for i in range(30)]
    others = [f"model.layers.{i}.self_attn.k_proj" for i in range(30)]
    assert pure.condense(targets, others) == {"q_proj"}
    # A suffix another module also ends in is never chosen: the full names survive.
    assert pure.condense(["a.x", "b.x"], ["c.x"]) == {"a.x", "b.x"}


# ---------------------------------------------------------------------------------------------
# Hand-picked cases: each kind of feature at least once, with the expected coverage.

FULL_NAMES_21 = [f"model.layers.{i}.self_attn.{p}_proj" for i in range(3) for p in "qkvo"] + [
    f"model.layers.{i}.mlp.{p}_proj" for i in range(3) for p in ("gate", "up", "down")
]
HAND: list[tuple[str, dict[str, Any], bool]] = [
    ("gpt2", {"r": 8, "target_modules": ["c_attn", "c_proj"]}, True),
    ("gpt2", {"r": 8, "target_modules": "all-linear", "bias": "all"}, True),
    ("gpt2", {"r": 4, "target_modules": ["c_attn"], "modules_to_save": ["lm_head"], "use_dora": True}, True),
    ("gpt2", {"r": 4, "target_modules": ["c_attn", "c_fc"], "bias": "lora_only", "lora_bias": True}, True),
    ("gpt2", {"r": 4, "target_modules": ["attn"]}, True),  # a container: PEFT's unsupported error
    ("gpt2", {"r": 4, "target_modules": ["nope"], "layers_to_transform": [0]}, True),
    ("gpt2", {"r": 4, "target_modules": ".*c_attn", "layers_to_transform": [0]}, True),  # config error
    ("gpt2", {"r": 4, "target_modules": ["wte", "wpe"], "use_dora": True}, True),
    ("gpt2", {"r": 4, "target_modules": ["c_attn"], "ensure_weight_tying": True}, False),
    ("gpt2", {"r": 4, "target_modules": ["c_attn"], "init_lora_weights": "pissa"}, False),
    ("gpt2", {"r": 4, "target_modules": ["c_attn"], "layer_replication": [[0, 2]]}, False),
    ("gpt2", {"r": 4, "target_modules": ["c_attn"], "no_such_field": 1}, False),
    (
        "llama",
        {"r": 4, "target_modules": "all-linear", "rank_pattern": {"down_proj": 16, r"layers\.0\..*": 2}},
        True,
    ),
    ("llama", {"r": 4, "target_modules": ["q_proj", "v_proj"], "layers_to_transform": [0, 2]}, True),
    (
        "llama",
        {"r": 4, "target_modules": ["q_proj"], "exclude_modules": ["model.layers.1.self_attn.q_proj"]},
        True,
    ),
    ("llama", {"r": 4, "target_modules": ["q_proj"], "modules_to_save": ["self_attn"]}, True),
    ("llama", {"r": 4, "target_modules": FULL_NAMES_21, "layers_to_transform": [1]}, True),  # condensed
    (
        "llama",
        {"r": 4, "target_modules": ["q_proj"], "modules_to_save": ["norm", "lm_head"], "bias": "all"},
        True,
    ),
    # modules_to_save=["layers"] guards every layer: PEFT's no-match error
    ("llama", {"r": 4, "target_modules": ["q_proj"], "modules_to_save": ["layers"]}, True),
    # ... and with lm_head targeted it copies a ModuleList: PEFT's TypeError, left to PEFT
    ("llama", {"r": 4, "target_modules": ["lm_head"], "modules_to_save": ["layers"]}, False),
    ("bert-seq-cls", {"r": 4, "target_modules": ["query", "value"], "bias": "all"}, True),
    ("bert-seq-cls", {"r": 4, "target_modules": "all-linear"}, True),
    ("roberta-token-cls", {"r": 4, "target_modules": ["query", "value"]}, True),
    ("roberta-token-cls", {"r": 4, "target_modules": "all-linear"}, False),  # classifier wrapped, then saved
    ("t5", {"r": 4}, True),  # default targets for t5
    (
        "t5",
        {"r": 4, "target_modules": ["q", "v"], "layers_to_transform": [0], "layers_pattern": "layer"},
        True,
    ),
    ("t5", {"r": 4, "target_modules": ["q"], "layers_pattern": "block"}, True),  # config error
    (
        "phimoe",
        {"r": 4, "target_modules": ["q_proj"], "target_parameters": ["experts.gate_up_proj", "down_proj"]},
        True,
    ),
    (
        "phimoe",
        {
            "r": 4,
            "target_modules": [],
            "target_parameters": ["gate_up_proj"],
            "rank_pattern": {"gate_up_proj": 8},
        },
        True,
    ),
    ("mixtral", {"r": 4, "target_modules": ["q_proj", "w1", "w3"]}, False),  # v5 MoE rewrite
    ("resnet", {"r": 4, "target_modules": ["convolution"]}, True),
    (
        "resnet",
        {"r": 4, "target_modules": r".*layer\.0\.convolution", "use_dora": True, "bias": "lora_only"},
        True,
    ),
]


@pytest.mark.parametrize(
    ("arch", "kwargs", "covered"), HAND, ids=[f"{a}-{i}" for i, (a, _, _) in enumerate(HAND)]
)
def test_hand_picked(arch: str, kwargs: dict[str, Any], covered: bool) -> None:
    try:
        mine = pure.predict(built(arch).inventory, kwargs, ARCHS[arch][1])
    except pure.NotCovered:
        assert not covered, "expected the pure predictor to cover this case"
        return
    assert covered, "expected NotCovered"
    assert_same(mine, peft_prediction(arch, kwargs), f"{arch} {kwargs}")


# ---------------------------------------------------------------------------------------------
# Generated cases.


def _leaves(names: list[str]) -> list[str]:
    return sorted({n.rpartition(".")[2] for n in names})


def _pairs(names: list[str]) -> list[str]:
    return sorted({".".join(n.split(".")[-2:]) for n in names if n.count(".") >= 1})


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    arch = draw(st.sampled_from(sorted(ARCHS)))
    inv = built(arch).inventory
    names = inv.names
    leaves, pairs = _leaves(names), _pairs(names)
    pieces = st.one_of(
        st.sampled_from(leaves), st.sampled_from(pairs), st.sampled_from(names), st.just("lm_head")
    )
    kind = draw(st.sampled_from(["list", "list", "list", "regex", "all-linear", "none", "many"]))
    kwargs: dict[str, Any] = {"r": draw(st.sampled_from([1, 2, 4, 8, 16]))}
    if draw(st.booleans()):
        kwargs["lora_alpha"] = draw(st.sampled_from([1, 8, 16, 32, 0.5]))
    if kind == "list":
        kwargs["target_modules"] = draw(st.lists(pieces, min_size=0, max_size=5))
    elif kind == "many":
        wrappable = [n for n in names if inv.row(n) is not None and inv.row(n).wrappable]  # type: ignore[union-attr]
        kwargs["target_modules"] = draw(
            st.lists(st.sampled_from(wrappable or names), min_size=18, max_size=40)
        )
    elif kind == "regex":
        leaf = draw(st.sampled_from(leaves))
        template = draw(
            st.sampled_from(
                [
                    r".*\.{leaf}",
                    r".*{leaf}",
                    "{leaf}",
                    r".*\.\d+\..*{leaf}",
                    r".*\.(0|1)\..*",
                    r"(?i).*{upper}",
                ]
            )
        )
        kwargs["target_modules"] = template.format(leaf=re.escape(leaf), upper=re.escape(leaf.upper()))
    elif kind == "all-linear":
        kwargs["target_modules"] = draw(st.sampled_from(["all-linear", "ALL-Linear"]))
    if kind in ("list", "many") and draw(st.booleans()):
        kwargs["layers_to_transform"] = draw(
            st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), max_size=3, unique=True))
        )
        if draw(st.booleans()):
            kwargs["layers_pattern"] = draw(
                st.one_of(
                    st.sampled_from(["layers", "h", "layer", "block", "lay.rs"]),
                    st.lists(st.sampled_from(["layers", "h", "layer", "block"]), min_size=1, max_size=2),
                )
            )
    if draw(st.integers(0, 3)) == 0:
        kwargs["exclude_modules"] = draw(
            st.one_of(st.lists(pieces, max_size=3), st.sampled_from([r".*\.0\..*", ".*mlp.*", "q_proj"]))
        )
    if draw(st.integers(0, 3)) == 0:
        kwargs["modules_to_save"] = draw(
            st.lists(
                st.one_of(
                    st.sampled_from(leaves), st.sampled_from(["lm_head", "norm", "head", "embed_tokens"])
                ),
                max_size=2,
            )
        )
    for field_name in ("rank_pattern", "alpha_pattern"):
        if draw(st.integers(0, 3)) == 0:
            keys = draw(
                st.lists(
                    st.one_of(
                        st.sampled_from(leaves),
                        st.sampled_from(pairs),
                        st.just(r"layers\.0\..*"),
                        st.just("proj"),
                    ),
                    max_size=3,
                    unique=True,
                )
            )
            kwargs[field_name] = {k: draw(st.sampled_from([2, 4, 32])) for k in keys}
    kwargs["bias"] = draw(st.sampled_from(["none", "none", "all", "lora_only"]))
    if draw(st.integers(0, 4)) == 0:
        kwargs["use_dora"] = True
    elif draw(st.integers(0, 4)) == 0:
        kwargs["lora_bias"] = True
    if inv.parameters and draw(st.integers(0, 2)) == 0:
        param_names = sorted(
            {p.name for p in inv.parameters}
            | {f"{p.module.rpartition('.')[2]}.{p.name}" for p in inv.parameters}
        )
        kwargs["target_parameters"] = draw(st.lists(st.sampled_from(param_names), min_size=1, max_size=3))
        if draw(st.booleans()):
            kwargs["target_modules"] = []
    return arch, kwargs


_SEEN: Counter[str] = Counter()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(cases())
def test_generated_cases_agree(case: tuple[str, dict[str, Any]]) -> None:
    arch, kwargs = case
    try:
        mine = pure.predict(built(arch).inventory, kwargs, ARCHS[arch][1])
    except pure.NotCovered:
        _SEEN["fallback"] += 1
        return
    _SEEN["covered"] += 1
    assert_same(mine, peft_prediction(arch, kwargs), f"{arch} {json.dumps(kwargs)}")


def test_generated_cases_were_mostly_covered() -> None:
    if sum(_SEEN.values()) < 50:
        pytest.skip("run together with test_generated_cases_agree")
    assert _SEEN["covered"] >= 0.6 * sum(_SEEN.values()), _SEEN


# ---------------------------------------------------------------------------------------------
# The shared corpus: both predictors on every config whose base model is in shared/model-configs.


def _shared() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        candidate = parent.parent / "shared"
        if (candidate / "corpus" / "MANIFEST.tsv").is_file() and (candidate / "model-configs").is_dir():
            return candidate
    return None


def _model_mapping(shared: Path) -> dict[str, str]:
    mapping: dict[str, str] = {}
    lines = (shared / "model-configs" / "INDEX.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    for line in lines[1:]:
        row = dict(zip(header, line.split("\t"), strict=False))
        path = str(shared / "model-configs" / row["file"])
        for key in ("model_id", "alias_of"):
            if row.get(key) and Path(path).is_file():
                mapping[row[key]] = path
    return mapping


@pytest.mark.slow
def test_corpus_pure_equals_peft(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    shared = _shared()
    if shared is None:
        pytest.skip("shared corpus not available")
    from lora_lint.discover import discover
    from lora_lint.extract import extract
    from lora_lint.lint import Session, Settings, lint_spec
    from lora_lint.load import load_path

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("LORA_LINT_CACHE_DIR", str(tmp_path / "cache"))
    session = Session(Settings(offline=True, models=_model_mapping(shared)))
    compared: dict[str, Prediction] = {}
    counts: Counter[str] = Counter()
    for path in discover([str(shared / "corpus")]):
        try:
            documents = load_path(path)
        except Exception:  # a file LL000 reports: nothing to compare
            documents = []
        for doc in documents:
            for spec in extract(doc):
                result, _ = lint_spec(spec, path, session)
                if result.prediction is None or result.built is None:
                    continue
                counts["predicted"] += 1
                inv = result.built.inventory
                key = json.dumps([inv.key, spec.kwargs(), spec.task_type], sort_keys=True, default=str)
                try:
                    mine = pure.predict(inv, spec.kwargs(), spec.task_type)
                except pure.NotCovered:
                    counts["fallback"] += 1
                    continue
                counts["covered"] += 1
                if key in compared:
                    continue
                compared[key] = mine
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    theirs = peft_backed.predict(result.built, spec.kwargs(), spec.task_type)
                assert_same(mine, theirs, f"{path} {spec.pointer}")
    print(dict(counts), len(compared), "distinct (model, config) pairs compared")
    if counts["predicted"] == 0:
        pytest.skip("no corpus config resolved to a model")
    assert counts["covered"] >= counts["fallback"], counts


def test_newer_peft_goes_to_peft_and_says_so_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lora_lint.extract.spec import Field, LoraSpec
    from lora_lint.lint import Session, Settings
    from lora_lint.load.document import Document
    from lora_lint.report import versions

    real = versions.tools()
    monkeypatch.setattr(versions, "tools", lambda: {**real, "peft": "0.99.0"})
    session = Session(Settings(offline=True, disk_cache=False))
    spec = LoraSpec(document=Document("x.json", "{}", {}), framework="peft", location=())
    spec.fields = {"r": Field(4), "target_modules": Field(["c_attn"])}
    first = session.predict(built("gpt2"), spec)
    second = session.predict(built("gpt2"), spec)
    assert first.engine == second.engine == "peft"
    err = capsys.readouterr().err
    assert err.count("peft 0.99.0 is newer than 0.21.2") == 1
    assert pure.predict(built("gpt2").inventory, spec.kwargs()).trainable == first.trainable


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.sampled_from(["gpt2", "llama", "t5"]), st.data())
def test_suffix_index_equals_list_rule(arch: str, data: st.DataObject) -> None:
    from lora_lint.matching import entry_matches

    inv = built(arch).inventory
    names = inv.names
    entry = data.draw(
        st.one_of(
            st.sampled_from(_leaves(names)),
            st.sampled_from(_pairs(names)),
            st.sampled_from(names),
            st.text("ab._", max_size=4),
        )
    )
    assert inv.suffix_hits(entry) == [n for n in names if entry_matches(entry, n)]
