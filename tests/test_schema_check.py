"""LL008's quick schema check agrees with jsonschema (Draft 2020-12) on its verdict.

Instances are drawn from the schema's own shapes (enum members, numbers at and around each bound,
integral floats, strings from the ``pattern``, lists around ``minItems``/``maxItems``, pattern
objects) mixed with wrong-shaped JSON values (bools for ints, NaN, nested lists, ``None``, ...).
On plain JSON data the verdicts must be equal; on other Python values (a YAML timestamp, bytes, a
tuple, ``Decimal``) the quick check may only be stricter, since its False hands over to jsonschema.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from lora_lint.rules._schema_check import is_valid
from lora_lint.rules.ll008_invalid_value import SCHEMA

VALIDATOR = Draft202012Validator(SCHEMA)
PROPERTIES: dict[str, Any] = SCHEMA["properties"]
BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


class _Str(str):
    pass


_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.integers(),
    st.floats(),
    st.sampled_from([0.0, -0.0, 1.0, 8.0, 0.5, 0.9999999999999999, 1e308, float("inf"), float("nan")]),
    st.text(max_size=4),
    st.sampled_from(["none", "all", "CAUSAL_LM", "gaussian", "pissa_niter_3", "q_proj"]),
)
NOISE = st.recursive(
    _LEAVES,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=3), kids, max_size=3),
    max_leaves=6,
)
FOREIGN = st.sampled_from(
    [
        datetime.date(2024, 1, 1),
        datetime.datetime(2024, 1, 1, 12, 0),
        b"c_attn",
        ("c_attn",),
        (0, 1),
        Decimal("0.5"),
        Decimal(8),
        Fraction(1, 2),
        _Str("none"),
        _Str("c_attn"),
        complex(1, 0),
    ]
)


def _numbers(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Numbers at, just inside and just outside each bound, as ints and floats."""
    near: list[Any] = [float("nan"), float("inf"), -float("inf")]
    for bound in (schema[key] for key in BOUNDS if key in schema):
        near += [bound - 1, bound, bound + 1, float(bound), bound - 1e-9, bound + 1e-9, bound - 0.5]
    return st.one_of(
        st.sampled_from(near), st.integers(-2, 10), st.floats(), st.integers(-3, 10).map(float), st.booleans()
    )


def _shaped(schema: dict[str, Any], noise: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Values of the schema's own shapes (mostly valid, often just across a boundary)."""
    parts = [_shaped(sub, noise) for sub in schema.get("anyOf", [])]
    if "enum" in schema:
        members = list(schema["enum"])
        parts.append(st.sampled_from(members + [m.upper() for m in members] + [m + "\n" for m in members]))
    kind = schema.get("type")
    if kind in ("integer", "number"):
        parts.append(_numbers(schema))
    if kind == "string":
        parts.append(st.text(max_size=6))
        if "pattern" in schema:
            parts.append(st.from_regex(schema["pattern"]))
            parts.append(st.from_regex(schema["pattern"]).map(lambda s: s + "\n"))
            parts.append(
                st.sampled_from(["pissa_niter_", "pissa_niter_٣", "xpissa_niter_1", "pissa_niter_12"])
            )
    if kind == "boolean":
        parts.append(st.booleans())
    if kind == "null":
        parts.append(st.none())
    if kind == "array":
        low, high = schema.get("minItems", 0), schema.get("maxItems", 3)
        items = schema.get("items", {})
        parts.append(st.lists(_value(items, noise), min_size=max(low - 1, 0), max_size=high + 1))
        # Exactly at and just across each length bound, with items of the right shape.
        sizes = sorted({n for n in (low - 1, low, high, high + 1) if n >= 0})
        item = _shaped(items, noise)
        parts.append(st.sampled_from(sizes).flatmap(lambda n: st.lists(item, min_size=n, max_size=n)))
    if kind == "object" and "additionalProperties" in schema:
        keys = st.text(max_size=3) | st.integers(0, 3)
        parts.append(st.dictionaries(keys, _value(schema["additionalProperties"], noise), max_size=3))
    if kind == "object" and "properties" in schema:
        optional = {name: _value(sub, noise) for name, sub in schema["properties"].items()}
        extras = st.dictionaries(st.sampled_from(["base_model_name_or_path", "lora", "x"]), noise, max_size=2)
        parts.append(
            st.builds(
                lambda known, more: {**more, **known}, st.fixed_dictionaries({}, optional=optional), extras
            )
        )
    return st.one_of(parts)


def _value(schema: dict[str, Any], noise: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    shaped = _shaped(schema, noise)
    return st.one_of(shaped, shaped, noise)


PLAIN = {name: _value(sub, NOISE) for name, sub in PROPERTIES.items()}
MIXED = {name: _value(sub, NOISE | FOREIGN) for name, sub in PROPERTIES.items()}


@pytest.mark.parametrize("name", sorted(PROPERTIES))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_agrees_with_jsonschema_on_each_field(name: str, data: st.DataObject) -> None:
    instance = {name: data.draw(PLAIN[name])}
    assert is_valid(instance, SCHEMA) == VALIDATOR.is_valid(instance)


@pytest.mark.parametrize("name", sorted(PROPERTIES))
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_never_valid_where_jsonschema_finds_an_error(name: str, data: st.DataObject) -> None:
    instance = {name: data.draw(MIXED[name])}
    if is_valid(instance, SCHEMA):
        assert VALIDATOR.is_valid(instance)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_value(SCHEMA, NOISE))
def test_agrees_with_jsonschema_on_whole_configs(instance: Any) -> None:
    assert is_valid(instance, SCHEMA) == VALIDATOR.is_valid(instance)


@pytest.mark.parametrize(
    ("instance", "valid"),
    [
        ({"r": 8, "lora_alpha": 16, "lora_dropout": 0.05, "target_modules": ["c_attn", "c_proj"]}, True),
        ({"r": 8.0}, True),
        ({"r": True}, False),
        ({"r": 0}, False),
        ({"r": 1.5}, False),
        ({"lora_alpha": False}, False),
        ({"lora_dropout": 1}, False),
        ({"lora_dropout": 0.0}, True),
        ({"lora_dropout": float("nan")}, True),
        ({"bias": "None"}, False),
        ({"init_lora_weights": "pissa_niter_4\n"}, True),
        ({"init_lora_weights": 1}, False),
        ({"init_lora_weights": False}, True),
        ({"layers_to_transform": [0, 1.0, 2]}, True),
        ({"layers_to_transform": [0, True]}, False),
        ({"layer_replication": [[0, 4], [2, 6]]}, True),
        ({"layer_replication": [[0, 4, 5]]}, False),
        ({"rank_pattern": {"q_proj": 8, 3: 4}}, True),
        ({"rank_pattern": {"q_proj": 0}}, False),
        ({"trainable_token_indices": {"embed_tokens": [0, 1]}}, True),
        ({"task_type": None, "target_modules": None}, True),
        ({"target_modules": ("c_attn",)}, False),
        ([], False),
    ],
)
def test_known_cases(instance: Any, valid: bool) -> None:
    assert VALIDATOR.is_valid(instance) is valid
    assert is_valid(instance, SCHEMA) is valid


def test_unknown_keyword_or_type_defers_to_jsonschema() -> None:
    assert not is_valid("ab", {"type": "string", "maxLength": 5})
    assert not is_valid("ab", {"type": "text"})
    assert not is_valid("ab", True)
    assert not is_valid([1], {"prefixItems": [{"type": "integer"}], "items": {"type": "integer"}})
