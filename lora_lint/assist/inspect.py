"""``lora-lint inspect``: the guide's steps 1 to 3 in one view, for any architecture.

* the layers PEFT can wrap, grouped by role with layer indices folded
  (``transformer.h.{0..11}.attn.c_attn  Conv1D  768 -> 2304  1,769,472 params x 12``);
* the name patterns: each last name part, how many modules it matches, the roles it spans and
  whether it is ambiguous as a ``target_modules`` entry (GPT-2 ``c_proj``, BERT ``dense``);
* the classification of every role (attention q/k/v/fused qkv/output, MLP up/gate/down/fused
  gate-up, output head, embedding, MoE router, MoE experts, vision tower, other);
* totals: the model's parameters and the share in wrappable layers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lora_lint.assist.loading import Loaded
from lora_lint.assist.spelling import Spelling, SpellingError, list_hits, regex_for, spell
from lora_lint.matching import entry_matches
from lora_lint.models.inventory import Inventory, ModuleRow
from lora_lint.models.roles import Role, ambiguity_key, classify, fold
from lora_lint.rules.ll002_ambiguous_target import qualified


@dataclass
class RoleRow:
    role: Role
    display: str
    cls: str
    shape: str
    in_features: int | None
    out_features: int | None
    weight_params: int  # per module: the weight matrix (bias not counted, as in the guide)
    modules: list[str]
    tied_to: str | None = None

    @property
    def count(self) -> int:
        return len(self.modules)

    def as_json(self) -> dict[str, Any]:
        return {
            "role": self.role.key,
            "display": self.display,
            "class": self.cls,
            "in_features": self.in_features,
            "out_features": self.out_features,
            "weight_params": self.weight_params,
            "count": self.count,
            "category": self.role.category,
            "group": self.role.group,
            "kind": self.role.kind,
            "label": self.role.label,
            "fused": self.role.fused,
            "tower": self.role.tower,
            "tied_to": self.tied_to,
            "modules": self.modules,
        }


@dataclass
class ParamGroup:
    """A parameter only ``target_parameters`` reaches (fused MoE experts, routers), folded."""

    display: str
    role: Role
    name: str
    shape: tuple[int, ...]
    count: int

    @property
    def params(self) -> int:
        total = 1
        for dim in self.shape:
            total *= dim
        return total

    def as_json(self) -> dict[str, Any]:
        return {
            "parameter": self.display,
            "shape": list(self.shape),
            "params": self.params,
            "count": self.count,
            "category": self.role.category,
            "target_parameters_entry": ".".join(self.display.split(".")[-3:]),
        }


@dataclass
class Pattern:
    name: str
    modules: int
    roles: list[tuple[str, int]]  # (label, modules)
    ambiguous: bool
    containers: int  # modules it also matches that PEFT cannot wrap (LL003)
    spellings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "count": self.modules,
            "roles": [{"label": label, "count": n} for label, n in self.roles],
            "ambiguous": self.ambiguous,
            "also_matches_unwrappable": self.containers,
            "qualified": self.spellings,
        }


@dataclass
class Overview:
    loaded: Loaded
    rows: list[RoleRow]
    parameters: list[ParamGroup]
    patterns: list[Pattern]
    wrappable_params: int
    attention: Spelling | None
    mlp: Spelling | None

    @property
    def inventory(self) -> Inventory:
        return self.loaded.built.inventory

    def categories(self) -> dict[str, list[RoleRow]]:
        out: dict[str, list[RoleRow]] = {}
        for row in self.rows:
            out.setdefault(row.role.category, []).append(row)
        return out


def folded_display(key: str, modules: list[str]) -> str:
    """``transformer.h.*.attn.c_attn`` + its modules -> ``transformer.h.{0..11}.attn.c_attn``."""
    parts = key.split(".")
    stars = [i for i, p in enumerate(parts) if p == "*"]
    if not stars:
        return key
    values: dict[int, set[int]] = {i: set() for i in stars}
    for name in modules:
        split = name.split(".")
        for i in stars:
            if i < len(split) and split[i].isdigit():
                values[i].add(int(split[i]))
    for i in stars:
        found = sorted(values[i])
        if len(found) == 1:
            parts[i] = str(found[0])
        elif found and found == list(range(found[0], found[-1] + 1)):
            parts[i] = f"{{{found[0]}..{found[-1]}}}"
        elif found:
            shown = ",".join(str(v) for v in found[:6]) + (",..." if len(found) > 6 else "")
            parts[i] = f"{{{shown}}}"
    return ".".join(parts)


def _shape(row: ModuleRow) -> tuple[str, int]:
    i, o = row.in_features, row.out_features
    if i is None or o is None:
        return "-", row.params
    if row.cls.endswith("Embedding") or "Embedding" in row.cls:
        return f"{i} x {o}", i * o
    if row.kernel:
        kernel = "x".join(str(k) for k in row.kernel)
        weight = o * (i // max(row.groups, 1))
        for k in row.kernel:
            weight *= k
        return f"{i} -> {o} (kernel {kernel})", weight
    return f"{i} -> {o}", i * o


def _wrappable_share(loaded: Loaded) -> int:
    """Parameters held by wrappable modules, each tied tensor counted once."""
    model = loaded.built.model
    inv = loaded.built.inventory
    seen: set[int] = set()
    total = 0
    for name, module in model.named_modules():
        row = inv.row(name) if name else None
        if row is None or not row.wrappable:
            continue
        for param in module.parameters(recurse=False):
            if id(param) not in seen:
                seen.add(id(param))
                total += param.numel()
    return total


def _tied(inv: Inventory, name: str) -> str | None:
    target = inv.tied.get(f"{name}.weight")
    return target.removesuffix(".weight") if target else None


def overview(loaded: Loaded) -> Overview:
    inv = loaded.built.inventory
    by_role: dict[str, list[ModuleRow]] = {}
    for row in inv.modules:
        if row.wrappable:
            by_role.setdefault(inv.role(row.name).key, []).append(row)
    rows = []
    for key, members in by_role.items():
        first = members[0]
        shape, weight = _shape(first)
        names = [m.name for m in members]
        rows.append(
            RoleRow(
                role=inv.role(first.name),
                display=folded_display(key, names),
                cls=first.cls,
                shape=shape,
                in_features=first.in_features,
                out_features=first.out_features,
                weight_params=weight,
                modules=names,
                tied_to=_tied(inv, first.name) if len(names) == 1 else None,
            )
        )
    return Overview(
        loaded=loaded,
        rows=rows,
        parameters=_param_groups(inv),
        patterns=_patterns(inv),
        wrappable_params=_wrappable_share(loaded),
        attention=_spell_group(inv, {"attention"}),
        mlp=_spell_group(inv, {"mlp", "experts"}),
    )


def _param_groups(inv: Inventory) -> list[ParamGroup]:
    groups: dict[str, ParamGroup] = {}
    for p in inv.parameters:
        if p.name.endswith("bias"):
            continue
        role = _param_role(inv, p.module, p.name)
        key = f"{role.key}.{p.name}"
        if key in groups:
            groups[key].count += 1
            continue
        modules = [q.module for q in inv.parameters if q.name == p.name and fold(q.module) == role.key]
        display = folded_display(role.key, modules) + f".{p.name}"
        groups[key] = ParamGroup(display, role, p.name, p.shape, 1)
    return list(groups.values())


def _param_role(inv: Inventory, module: str, name: str) -> Role:
    """Fused experts take their kind from the parameter name (gate_up_proj, down_proj)."""
    leaf = module.split(".")[-1].lower()
    if leaf.endswith("experts") and "shared" not in leaf:
        role = classify(f"{module}.{name}")
        return Role(fold(module), role.tower, "experts", role.kind)
    return inv.role(module)


def _patterns(inv: Inventory) -> list[Pattern]:
    leaves = dict.fromkeys(row.name.split(".")[-1] for row in inv.modules if row.wrappable)
    patterns = []
    for leaf in leaves:
        hits = [n for n in inv.names if entry_matches(leaf, n)]
        wrappable = [h for h in hits if (r := inv.row(h)) is not None and r.wrappable]
        labels: dict[str, int] = {}
        keys = set()
        per_role: dict[str, list[str]] = {}
        for h in wrappable:
            role = inv.role(h)
            labels[role.label] = labels.get(role.label, 0) + 1
            keys.add(ambiguity_key(role))
            per_role.setdefault(role.key, []).append(h)
        ambiguous = len(keys) > 1
        spellings = []
        if ambiguous:
            for key, members in per_role.items():
                spelled = qualified(key, set(members), inv)
                spellings.append(spelled or f'"{regex_for([key])}" (regex)')
        patterns.append(
            Pattern(
                leaf, len(wrappable), list(labels.items()), ambiguous, len(hits) - len(wrappable), spellings
            )
        )
    return patterns


def _spell_group(inv: Inventory, groups: set[str]) -> Spelling | None:
    names = [
        row.name
        for row in inv.modules
        if row.wrappable
        and not row.cls.endswith("Embedding")
        and inv.role(row.name).tower == "language"
        and inv.role(row.name).group in groups
    ]
    if not names:
        return None
    try:
        return spell(inv, names)
    except SpellingError:  # pragma: no cover - full names always spell
        return None


# ----------------------------------------------------------------------------------------- views


def _role_words(row: RoleRow) -> str:
    words = row.role.label
    if row.role.fused:
        words += " (fused)"
    if row.tied_to:
        words += f" (tied to {row.tied_to})"
    return words


def _entry_words(inv: Inventory, spelling: Spelling) -> str:
    if isinstance(spelling.value, str):
        return f'"{spelling.value}" (one regex: no list spelling selects these layers alone)'
    parts = []
    for entry in spelling.value:
        kinds = dict.fromkeys(
            inv.role(h).label.split(" ", 1)[-1] + (" fused" if inv.role(h).fused else "")
            for h in list_hits(inv, entry)
        )
        parts.append(f"{entry} ({', '.join(kinds)})")
    return ", ".join(parts)


def text(view: Overview) -> str:
    inv = view.inventory
    source = view.loaded.resolved.source
    share = 100 * view.wrappable_params / inv.total_params if inv.total_params else 0.0
    out = [
        f"{inv.model_id} · {inv.model_class} ({inv.auto_class}, from {source})",
        f"{inv.total_params:,d} parameters; {view.wrappable_params:,d} ({share:.2f}%) in layers PEFT can wrap",
        "",
        "Layers PEFT can wrap, by role (layer indices folded; params = weight per module)",
    ]
    w_name = max([len(r.display) for r in view.rows] + [10])
    w_cls = max([len(r.cls) for r in view.rows] + [5])
    w_shape = max([len(r.shape) for r in view.rows] + [5])
    for row in view.rows:
        times = f" x {row.count}" if row.count > 1 else ""
        params = f"{row.weight_params:,d} params{times}"
        out.append(
            f"  {row.display:<{w_name}}  {row.cls:<{w_cls}}  {row.shape:<{w_shape}}  {params:>24}  {_role_words(row)}"
        )
    if view.parameters:
        out.append("")
        out.append("Parameters only target_parameters can reach (fused MoE experts, routers)")
        for group in view.parameters:
            shape = " x ".join(str(d) for d in group.shape)
            times = f" x {group.count}" if group.count > 1 else ""
            out.append(f"  {group.display}  {shape}  {group.params:,d} params{times}  {group.role.category}")
    out.append("")
    out.append("Name patterns (a target_modules entry matches the full name or a `.`-suffix)")
    w_leaf = max([len(p.name) for p in view.patterns] + [4])
    for pattern in view.patterns:
        spans = " + ".join(
            f"{label} ({n})" if len(pattern.roles) > 1 else label for label, n in pattern.roles
        )
        noun = "module" if pattern.modules == 1 else "modules"
        line = f"  {pattern.name:<{w_leaf}}  {pattern.modules:>4} {noun:<7}  {spans}"
        if pattern.ambiguous:
            line += "   ambiguous: write " + " or ".join(pattern.spellings)
        if pattern.containers:
            line += f"   (also matches {pattern.containers} module(s) PEFT cannot wrap)"
        out.append(line)
    out.append("")
    if view.attention is not None:
        out.append(f"Attention modules: {_entry_words(inv, view.attention)}")
        out.append(f"  target_modules: {view.attention.text()}")
    else:
        out.append("Attention modules: none recognised")
    if view.mlp is not None:
        out.append(f"MLP modules: {_entry_words(inv, view.mlp)}")
    out.append("")
    out.append("Classification")
    categories = view.categories()
    w_cat = max([len(c) for c in categories] + [8])
    for category, rows in categories.items():
        count = sum(r.count for r in rows)
        kinds = ", ".join(dict.fromkeys(_role_words(r) for r in rows))
        noun = "module" if count == 1 else "modules"
        roles = "role" if len(rows) == 1 else "roles"
        out.append(f"  {category:<{w_cat}}  {count:>5} {noun:<7} in {len(rows)} {roles}: {kinds}")
    out.append("")
    out.append(f"Next: lora-lint suggest {inv.model_id}")
    return "\n".join(out) + "\n"


def as_json(view: Overview) -> dict[str, Any]:
    inv = view.inventory
    return {
        "model": inv.model_id,
        "model_source": view.loaded.resolved.source,
        "model_class": inv.model_class,
        "auto_class": inv.auto_class,
        "total_params": inv.total_params,
        "wrappable_params": view.wrappable_params,
        "wrappable_share": round(view.wrappable_params / inv.total_params, 6) if inv.total_params else None,
        "num_layers": inv.num_layers,
        "roles": [row.as_json() for row in view.rows],
        "parameters": [group.as_json() for group in view.parameters],
        "patterns": [pattern.as_json() for pattern in view.patterns],
        "attention_target_modules": view.attention.value if view.attention is not None else None,
        "mlp_target_modules": view.mlp.value if view.mlp is not None else None,
        "categories": {
            category: [row.role.key for row in rows] for category, rows in view.categories().items()
        },
        "assumed": [c.to_dict() for c in inv.assumed],
    }
