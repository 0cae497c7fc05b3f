"""Run eval cases: plan each request on its fixture, score the plan, run it where checkable.

A case runs live, records a cassette (`record=True`), or replays one; cassettes hold every HTTP
exchange with the model (planning, and llm steps when the plan is executed), matched on the
request body, so a changed prompt fails replay loudly instead of replaying a stale answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from evals.case import Case
from evals.scoring import NodeShape, batch_correct, edge_f1, match_nodes, node_type_f1, shapes
from planflow.ir import Workflow
from planflow.planner import CannotPlan, PlanFailed, Planner

EVALS = Path(__file__).parent
CASSETTES = EVALS / "cassettes"
FIXTURE_PORT = 8799  # http cases name http://127.0.0.1:8799/… in their requests, so it is fixed


class ReplayMismatch(AssertionError):
    """Replay met requests the cassette does not hold: the recording is stale."""


def cassette_path(model_id: str, case_id: str) -> Path:
    return CASSETTES / model_id / f"{case_id}.yaml"


def _not_fixture_server(request: Any) -> Any:
    # The fixture server's traffic is the workflow's, not the model's: never recorded, always live.
    return None if f":{FIXTURE_PORT}" in request.uri else request


@contextlib.contextmanager
def cassette(model_id: str, case_id: str, mode: str | None) -> Iterator[None]:
    if mode is None:
        yield
        return
    import vcr

    recorder = vcr.VCR(
        record_mode="all" if mode == "record" else "none",
        match_on=["method", "scheme", "host", "port", "path", "query", "body"],
        filter_headers=["authorization", "x-api-key", "x-goog-api-key", "openai-organization"],
        before_record_request=_not_fixture_server,
        decode_compressed_response=True,
    )
    path = cassette_path(model_id, case_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode == "record" and path.exists():
        path.unlink()
    if mode == "replay" and not path.exists():
        raise ReplayMismatch(
            f"{case_id}: no cassette at {path}; record one with "
            f"python -m evals run -m {model_id} --record --cases {case_id}"
        )
    with recorder.use_cassette(str(path), allow_playback_repeats=False) as recorded:
        yield
    if mode == "replay" and not recorded.all_played:
        raise ReplayMismatch(
            f"{case_id}: the planner's requests differ from the recording (a prompt or planner change?); "
            f"re-record with python -m evals run -m {model_id} --record --cases {case_id}"
        )


def _bind(handler: type[SimpleHTTPRequestHandler], wait: float = 30.0) -> ThreadingHTTPServer:
    """The fixed port may be held for a moment by another eval run on this machine (each case
    holds it only while it runs): wait for it rather than fail the case."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return ThreadingHTTPServer(("127.0.0.1", FIXTURE_PORT), handler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextlib.contextmanager
def fixture_server(root: Path) -> Iterator[None]:
    """Serves the case's fixture folder on 127.0.0.1:FIXTURE_PORT."""

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args: Any) -> None:
            pass

    server = _bind(Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def fixture(case: Case) -> Iterator[Path]:
    """A temporary folder holding the case's files, served on the fixture port when the case
    asks for the local server; yields the folder."""
    with tempfile.TemporaryDirectory(prefix=f"eval-{case.id}-") as tmp:
        root = Path(tmp)
        for rel, content in case.files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(content)
        needs_server = f":{FIXTURE_PORT}" in case.request or case.category == "http_fanout"
        with fixture_server(root) if needs_server else contextlib.nullcontext():
            yield root


def _expectations_met(case: Case, workflow: Workflow) -> bool:
    types = {n.type for n in workflow.nodes}
    expect = case.expect
    if not set(expect.required_types) <= types or set(expect.forbidden_types) & types:
        return False
    defaults = [spec.default for spec in workflow.inputs.values()]
    for value in expect.input_defaults:
        if not any(value == d or (isinstance(d, str) and str(value) in d) for d in defaults):
            return False
    if expect.no_batch and any(n.batch for n in workflow.nodes):
        return False
    b = expect.batch
    return b is None or batch_correct(workflow, b.node_type, b.over, b.parallel)


NETWORK_WORDS = re.compile(r"://|\b(curl|wget|nc|ncat|ssh|scp|rsync|ftp|telnet|ping|dig|nslookup)\b")


def _reaches_out(workflow: Workflow) -> bool:
    """Model-written shell that could touch the network is never run by the evals; http nodes
    are held to loopback by the run's URL policy."""
    return any(n.type == "shell" and NETWORK_WORDS.search(json.dumps(n.params)) for n in workflow.nodes)


def _execute(case: Case, workflow: Workflow, model_id: str, root: Path) -> bool:
    from planflow.runtime.context import RunContext, loopback_only
    from planflow.runtime.engine import run_workflow
    from planflow.runtime.models import ModelCache

    check = case.expect.execution
    assert check is not None
    if _reaches_out(workflow):
        return False
    run = RunContext(cwd=root, models=ModelCache(model_id), url_policy=loopback_only)
    try:
        result = asyncio.run(run_workflow(workflow, {}, run))
    except Exception:
        return False
    target = root / check.file
    if result.status != "ok" or not target.is_file():
        return False
    text = target.read_text(encoding="utf-8", errors="replace")
    return all(s in text for s in check.contains) and all(re.search(p, text) for p in check.matches)


def run_case(case: Case, model_id: str, mode: str | None = None, max_repairs: int = 2) -> dict[str, Any]:
    """Plan (and where checkable, run) one case; every figure the report needs."""
    record: dict[str, Any] = {
        "id": case.id,
        "category": case.category,
        "cannot_plan_expected": case.expect.cannot_plan,
        "valid": False,
        "first_call_valid": False,
        "refused": False,
        "outcome": None,  # planned, refused (a cannot_plan answer) or failed (no valid plan)
        "llm_calls": 0,
        "repairs": 0,
        "input_tokens": 0,
        "output_tokens": 0,
        "fixes": [],
        "node_type_f1": None,
        "edge_f1": None,
        "batch_correct": None,
        "expectations_met": None,
        "execution_ok": None,
        "error": None,
        "seconds": 0.0,
    }
    started = time.monotonic()
    with fixture(case) as root, cassette(model_id, case.id, mode):
        try:
            result = Planner(model_id, max_repairs=max_repairs, workdir=root).plan(case.request)
        except PlanFailed as exc:
            if mode == "replay" and _unrecorded_request(exc):
                # a request the recording lacks (the planner asked more, or otherwise): the
                # planner reports it as a model failure, but it is a stale recording
                raise ReplayMismatch(
                    f"{case.id}: the planner made a request the recording does not hold (a prompt or "
                    f"planner change?); re-record with python -m evals run -m {model_id} --record "
                    f"--cases {case.id}"
                ) from None
            report = exc.report
            # Only a cannot_plan answer is a refusal: a model that produced nothing valid has
            # not told the user the request is impossible, even on an impossible case.
            record["refused"] = isinstance(exc, CannotPlan)
            record["outcome"] = "refused" if record["refused"] else "failed"
            record["error"] = str(exc)
            workflow = None
            record["first_call_valid"] = False
        else:
            report, workflow = result.report, result.workflow
            record["valid"] = True
            record["outcome"] = "planned"
            record["first_call_valid"] = report.first_call_valid
        record.update(
            llm_calls=report.llm_calls,
            repairs=report.repairs,
            input_tokens=report.input_tokens,
            output_tokens=report.output_tokens,
            fixes=report.fixes,
        )
        if not case.expect.cannot_plan:
            _score_plan(case, workflow, record)
            if workflow is not None and case.expect.execution is not None:
                record["execution_ok"] = 1.0 if _execute(case, workflow, model_id, root) else 0.0
            elif case.expect.execution is not None:
                record["execution_ok"] = 0.0
        if workflow is not None:
            record["workflow"] = workflow.to_json_dict()
    record["seconds"] = round(time.monotonic() - started, 2)
    return record


def _unrecorded_request(exc: BaseException) -> bool:
    """Did vcr refuse a request the cassette does not hold? The planner reports any model error
    as PlanFailed, raised inside its handler, so the original stays on the exception chain."""
    from vcr.errors import CannotOverwriteExistingCassetteException

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, CannotOverwriteExistingCassetteException):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _score_plan(case: Case, workflow: Workflow | None, record: dict[str, Any]) -> None:
    if workflow is None:
        record.update(
            node_type_f1=0.0,
            edge_f1=0.0,
            expectations_met=0.0,
            batch_correct=0.0 if (case.expect.batch or case.expect.no_batch) else None,
        )
        return
    record["expectations_met"] = 1.0 if _expectations_met(case, workflow) else 0.0
    if case.expect.batch is not None:
        b = case.expect.batch
        record["batch_correct"] = 1.0 if batch_correct(workflow, b.node_type, b.over, b.parallel) else 0.0
    elif case.expect.no_batch:
        record["batch_correct"] = 0.0 if any(n.batch for n in workflow.nodes) else 1.0
    if case.gold is not None:
        gold = [NodeShape(n.id, n.type, n.batch, n.parallel) for n in case.gold.nodes]
        predicted = shapes(workflow)
        record["node_type_f1"] = node_type_f1([p.type for p in predicted], [g.type for g in gold])
        matching = match_nodes(predicted, gold)
        record["edge_f1"] = edge_f1([(e.from_, e.to) for e in workflow.edges], case.gold.edges, matching)


def run_case_checked(case: Case, model_id: str, mode: str | None, max_repairs: int) -> dict[str, Any]:
    """run_case, with a stale recording reported on the case instead of ending the run."""
    try:
        return run_case(case, model_id, mode, max_repairs)
    except ReplayMismatch as exc:
        return {"id": case.id, "category": case.category, "replay_mismatch": str(exc)}


def run_cases(
    cases: list[Case], model_id: str, mode: str | None = None, jobs: int = 4, max_repairs: int = 2
) -> list[dict[str, Any]]:
    """Cases run concurrently when live; recording and replay patch HTTP globally, so one at a time."""
    os.environ.setdefault("PLANFLOW_HOME", tempfile.mkdtemp(prefix="planflow-evals-"))
    # The recorded prompts hold the built-in catalog: installed node-type plugins stay out unless
    # asked for (PLANFLOW_PLUGINS=1).
    os.environ.setdefault("PLANFLOW_PLUGINS", "0")
    if mode is not None or any(f":{FIXTURE_PORT}" in c.request for c in cases):
        jobs = 1
    if jobs <= 1:
        return [run_case_checked(c, model_id, mode, max_repairs) for c in cases]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(lambda c: run_case_checked(c, model_id, mode, max_repairs), cases))
