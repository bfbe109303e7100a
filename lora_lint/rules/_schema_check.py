"""A quick "is this valid?" for the JSON Schema keywords LL008's schema uses, without jsonschema.

Importing jsonschema costs about 0.1 s, and almost every config is valid, so LL008 asks
:func:`is_valid` first and calls jsonschema (which also words the errors) only when it says False.

``is_valid`` is True exactly when ``Draft202012Validator(schema).is_valid(instance)`` is True, for
plain JSON data (``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``, ``None``). It is
conservative everywhere else: a keyword it does not implement, or a value of any other type (a YAML
timestamp, ``bytes``, a ``str`` subclass), reads as invalid, so jsonschema decides.
tests/test_schema_check.py checks the two agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_Check = Callable[[Any, Any, dict[str, Any]], bool]

# Draft 2020-12 type names as jsonschema's type checker has them: a bool is neither an integer nor
# a number, and a float with an integral value (``8.0``) is an integer. ``type(...) is`` rejects
# subclasses, which keeps the answer conservative for anything that is not plain JSON data.
_TYPES: dict[str, Callable[[Any], bool]] = {
    "null": lambda v: v is None,
    "boolean": lambda v: type(v) is bool,
    "integer": lambda v: type(v) is int or (type(v) is float and v.is_integer()),
    "number": lambda v: type(v) is int or type(v) is float,
    "string": lambda v: type(v) is str,
    "array": lambda v: type(v) is list,
    "object": lambda v: type(v) is dict,
}


def _is_number(value: Any) -> bool:
    return type(value) is int or type(value) is float


def _type(instance: Any, names: Any, schema: dict[str, Any]) -> bool:
    names = [names] if isinstance(names, str) else names
    if not all(isinstance(name, str) and name in _TYPES for name in names):
        return False  # an unknown type name makes jsonschema raise; let it
    return any(_TYPES[name](instance) for name in names)


def _enum(instance: Any, members: Any, schema: dict[str, Any]) -> bool:
    # With string members, jsonschema's ``equal`` is plain ``==``, true only for an equal string.
    if not all(type(member) is str for member in members):
        return False
    return type(instance) is str and instance in members


def _any_of(instance: Any, schemas: Any, schema: dict[str, Any]) -> bool:
    return any(is_valid(instance, sub) for sub in schemas)


# Bounds are written as ``not (instance < bound)`` like jsonschema's, so NaN passes them as it does there.
def _minimum(instance: Any, bound: Any, schema: dict[str, Any]) -> bool:
    return _is_number(bound) and (not _is_number(instance) or not instance < bound)


def _maximum(instance: Any, bound: Any, schema: dict[str, Any]) -> bool:
    return _is_number(bound) and (not _is_number(instance) or not instance > bound)


def _exclusive_minimum(instance: Any, bound: Any, schema: dict[str, Any]) -> bool:
    return _is_number(bound) and (not _is_number(instance) or not instance <= bound)


def _exclusive_maximum(instance: Any, bound: Any, schema: dict[str, Any]) -> bool:
    return _is_number(bound) and (not _is_number(instance) or not instance >= bound)


def _pattern(instance: Any, pattern: Any, schema: dict[str, Any]) -> bool:
    return type(pattern) is str and (type(instance) is not str or re.search(pattern, instance) is not None)


def _items(instance: Any, sub: Any, schema: dict[str, Any]) -> bool:
    if "prefixItems" in schema:
        return False
    return type(instance) is not list or all(is_valid(item, sub) for item in instance)


def _min_items(instance: Any, count: Any, schema: dict[str, Any]) -> bool:
    return type(count) is int and (type(instance) is not list or len(instance) >= count)


def _max_items(instance: Any, count: Any, schema: dict[str, Any]) -> bool:
    return type(count) is int and (type(instance) is not list or len(instance) <= count)


def _properties(instance: Any, subs: Any, schema: dict[str, Any]) -> bool:
    if type(instance) is not dict:
        return True
    return all(is_valid(instance[name], sub) for name, sub in subs.items() if name in instance)


def _additional_properties(instance: Any, sub: Any, schema: dict[str, Any]) -> bool:
    if "patternProperties" in schema:
        return False
    if type(instance) is not dict:
        return True
    known = schema.get("properties", {})
    return all(is_valid(value, sub) for key, value in instance.items() if key not in known)


_KEYWORDS: dict[str, _Check] = {
    "type": _type,
    "enum": _enum,
    "anyOf": _any_of,
    "minimum": _minimum,
    "maximum": _maximum,
    "exclusiveMinimum": _exclusive_minimum,
    "exclusiveMaximum": _exclusive_maximum,
    "pattern": _pattern,
    "items": _items,
    "minItems": _min_items,
    "maxItems": _max_items,
    "properties": _properties,
    "additionalProperties": _additional_properties,
}


def is_valid(instance: Any, schema: Any) -> bool:
    """True only if ``instance`` is valid under ``schema`` (Draft 2020-12); False when unsure."""
    if type(schema) is not dict:
        return False  # boolean schemas are not used; let jsonschema judge them
    for keyword, value in schema.items():
        check = _KEYWORDS.get(keyword)
        if check is None or not check(instance, value, schema):
            return False
    return True
