"""Mutation fuzzing: real configs of every framework, with values replaced or removed at random.

The seeds are the framework fixtures in this repository and, when ``../shared/corpus`` is present,
the real configs collected there. Each mutant is linted in-process (``--offline``): exit 0 or 1,
no traceback, a JSON report that parses. ``LORA_LINT_FUZZ_SCALE`` multiplies the examples.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st
from reliability_helpers import fuzz
from test_fuzz_cli import _lint_folder, anything, names, target

REPO = Path(__file__).resolve().parents[2]
SUFFIXES = (".yaml", ".yml", ".json")


def _seeds() -> list[Path]:
    found = sorted(p for p in (REPO / "tests" / "fixtures" / "frameworks").rglob("*") if p.suffix in SUFFIXES)
    corpus = REPO.parent / "shared" / "corpus"
    if corpus.is_dir():
        found += sorted(p for p in corpus.rglob("*") if p.suffix in SUFFIXES)
    return [p for p in found if p.name != "config.json" and p.stat().st_size < 100_000]


SEEDS = _seeds()


def _load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            out += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out += _paths(child, (*prefix, index))
    return out


def _mutate(value: Any, path: tuple[Any, ...], new: Any, delete: bool) -> Any:
    if not path:
        return new
    parent = value
    for part in path[:-1]:
        parent = parent[part]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return value


replacement = st.one_of(anything, names, target, st.dictionaries(st.text(max_size=8), anything, max_size=3))


@fuzz(80)
@given(data=st.data())
def test_mutated_real_configs(data: st.DataObject) -> None:
    seed = data.draw(st.sampled_from(SEEDS), label="seed")
    value = _load(seed)
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        paths = _paths(value)
        path = data.draw(st.sampled_from(paths), label="path")
        delete = bool(path) and data.draw(st.booleans(), label="delete")
        value = _mutate(value, path, data.draw(replacement, label="new"), delete)
    if seed.suffix == ".json":
        content = json.dumps(value).encode()
    else:
        content = yaml.safe_dump(value, allow_unicode=True, sort_keys=False).encode()
    _lint_folder({seed.name: content})
