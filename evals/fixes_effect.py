"""Before/after for the deterministic fixes, from recorded answers: would each case's first
answer be valid without the fixes, and with them? No model calls: the answers come from the
cassettes, so the figure is exact for the recorded model."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import yaml

from evals.case import load_cases
from evals.runner import cassette_path
from planflow.ir import validate_document
from planflow.planner import fixes as fix_module
from planflow.planner.extract import NoJSONFound, extract_json
from planflow.planner.fixes import apply_fixes
from planflow.runtime.registry import default_registry


def first_answer(model_id: str, case_id: str) -> str | None:
    path = cassette_path(model_id, case_id)
    if not path.exists():
        return None
    for interaction in yaml.safe_load(path.read_text())["interactions"]:
        response = interaction["response"]
        body = response.get("content") or response.get("body", {}).get("string")
        try:
            return json.loads(body)["choices"][0]["message"]["content"]
        except (TypeError, ValueError, KeyError, IndexError):
            continue  # e.g. a rejected schema request
    return None


def _valid_with(doc: Any, specs: Any, without: Any = None) -> bool:
    chosen = tuple(f for f in fix_module.FIXES if f is not without)
    saved = fix_module.FIXES
    fix_module.FIXES = chosen
    try:
        fixed, _ = apply_fixes(doc, specs)
    finally:
        fix_module.FIXES = saved
    return validate_document(fixed, specs).valid


def fixes_effect(model_id: str) -> dict[str, Any]:
    specs = default_registry().specs()
    before = after = answered = 0
    used: Counter[str] = Counter()
    lost_without: Counter[str] = Counter()
    for case in load_cases():
        if case.expect.cannot_plan:
            continue
        answer = first_answer(model_id, case.id)
        if answer is None:
            continue
        answered += 1
        try:
            doc = extract_json(answer)
        except NoJSONFound:
            continue
        if isinstance(doc, dict):
            doc.pop("cannot_plan", None)
        before += validate_document(doc, specs).valid
        fixed, applied = apply_fixes(doc, specs)
        valid = validate_document(fixed, specs).valid
        after += valid
        used.update(a.split(" ")[0] + " " + a.split(" ")[1] for a in applied)
        if valid:
            for fix in fix_module.FIXES:
                if not _valid_with(doc, specs, without=fix):
                    lost_without[fix.__name__] += 1
    return {
        "cases_with_answers": answered,
        "first_answers_valid_without_fixes": before,
        "first_answers_valid_with_fixes": after,
        "fixes_used": dict(used.most_common()),
        "valid_only_thanks_to": dict(lost_without.most_common()),
    }


if __name__ == "__main__":
    import sys

    print(json.dumps(fixes_effect(sys.argv[1] if len(sys.argv) > 1 else "local-qwen"), indent=1))
