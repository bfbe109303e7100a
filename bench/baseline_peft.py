"""The baseline a careful user would write: per config, build the model on meta and call get_peft_model.

    python bench/baseline_peft.py PLAN.json

PLAN.json is a list of ``{"config": <config.json dict>, "auto_class": "AutoModelFor...",
"kwargs": <LoraConfig kwargs>, "task_type": ...}`` (bench/corpus_bench.py writes it from the corpus).
Prints one JSON line per config: the trainable and total counts, or the error PEFT raised.
Uses no lora-lint code.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import warnings
from typing import Any


def predict(item: dict[str, Any]) -> dict[str, Any]:
    import torch
    import transformers
    from peft import LoraConfig, get_peft_model

    values = {k: v for k, v in item["config"].items() if k not in {"model_type", "transformers_version"}}
    config = transformers.AutoConfig.for_model(item["config"]["model_type"], **values)
    auto = getattr(transformers, item["auto_class"])
    with torch.device("meta"):
        model = auto.from_config(config)
    kwargs = dict(item["kwargs"])
    if item.get("task_type"):
        kwargs["task_type"] = item["task_type"]
    peft_model = get_peft_model(model, LoraConfig(**kwargs), low_cpu_mem_usage=True)
    trainable, total = peft_model.get_nb_trainable_parameters()
    return {"trainable": int(trainable), "total": int(total)}


def main(path: str) -> int:
    with open(path, encoding="utf-8") as handle:
        plan = json.load(handle)
    warnings.simplefilter("ignore")
    for item in plan:
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                found = predict(item)
        except Exception as exc:
            found = {"error": f"{type(exc).__name__}: {exc}"[:200]}
        print(json.dumps({"id": item.get("id"), **found}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
