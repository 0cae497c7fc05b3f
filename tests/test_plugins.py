"""Node types from plugins: the example plugin (examples/plugins/planflow-sqlite), installed for
the test as pip installs a package (the package plus a .dist-info with its entry point, on the
path), appears everywhere a built-in does; a broken plugin is one clear line."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from planflow.cli import cli
from planflow.planner import Planner
from planflow.planner.catalog import render_catalog
from planflow.runtime.node_docs import render_nodes_markdown
from planflow.runtime.registry import default_registry, forget_default_registry
from tests.conftest import ROOT
from tests.fakes import QueueModel, registered_models
from tests.runtime.helpers import run_doc

EXAMPLE = ROOT / "examples" / "plugins" / "planflow-sqlite"


def install(site: Path, name: str, module: str, source: str | None = None) -> None:
    """What pip leaves behind: the module, and a dist-info naming its `planflow` entry point."""
    if source is None:
        shutil.copytree(EXAMPLE / module, site / module)
    else:
        (site / f"{module}.py").write_text(source)
    dist = site / f"{module}-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n")
    (dist / "entry_points.txt").write_text(f"[planflow]\n{module} = {module}\n")


@pytest.fixture
def site(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PLANFLOW_PLUGINS", "1")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), str(ROOT)]))
    forget_default_registry()
    yield site
    forget_default_registry()
    for name in [m for m in sys.modules if m.startswith(("planflow_sqlite", "broken_", "bad_spec"))]:
        del sys.modules[name]


@pytest.fixture
def sqlite_plugin(site):
    install(site, "planflow-sqlite", "planflow_sqlite")
    return site


@pytest.fixture
def shop(tmp_path):
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE items (name TEXT, price REAL)")
        db.executemany("INSERT INTO items VALUES (?, ?)", [("pen", 2.5), ("desk", 120.0), ("lamp", 35.0)])
    return path


def query_doc(minimum: str = "10") -> dict:
    return {
        "ir_version": "0.1.0",
        "inputs": {"min": {"type": "number", "default": float(minimum)}},
        "nodes": [
            {
                "id": "big",
                "type": "sqlite_query",
                "params": {
                    "database": "shop.db",
                    "query": "SELECT name FROM items WHERE price > ?",
                    "params": ["${min}"],
                },
            }
        ],
        "outputs": {"names": {"source": "${big.rows}"}},
    }


def test_a_plugin_type_is_everywhere_a_builtin_is(sqlite_plugin, shop, tmp_path):
    registry = default_registry()
    assert registry.plugin_of["sqlite_query"] == "planflow-sqlite" and registry.load_errors == []
    assert "### sqlite_query: Run a read-only SQL query" in render_catalog(registry.specs())
    assert "## `sqlite_query`" in render_nodes_markdown(registry.specs())
    listed = json.loads(CliRunner().invoke(cli, ["node-types", "--json"]).stdout)["node_types"]
    assert {"name": "sqlite_query", "plugin": "planflow-sqlite"}.items() <= listed[-1].items()
    flow = tmp_path / "q.json"
    flow.write_text(json.dumps(query_doc()))
    assert CliRunner().invoke(cli, ["validate", str(flow)]).exit_code == 0
    shown = CliRunner().invoke(cli, ["show", str(flow)]).stdout
    assert "big [sqlite_query]" in shown
    out = run_doc(query_doc(), cwd=tmp_path)
    assert out.outputs == {"names": [{"name": "desk"}, {"name": "lamp"}]}


def test_values_are_bound_and_the_database_stays_read_only(sqlite_plugin, shop, tmp_path):
    hostile = query_doc()
    hostile["inputs"]["min"] = {"type": "string", "default": "0; DROP TABLE items"}
    assert run_doc(hostile, cwd=tmp_path).status == "ok"  # a value is a value: compared, not run
    writing = query_doc()
    writing["nodes"][0]["params"]["query"] = "DELETE FROM items"
    writing["nodes"][0]["params"].pop("params")
    out = run_doc(writing, cwd=tmp_path)
    assert out.status == "failed" and "readonly" in out.error["message"]
    with sqlite3.connect(shop) as db:
        assert db.execute("SELECT COUNT(*) FROM items").fetchone() == (3,)


def test_the_planner_plans_through_a_plugin_type_and_it_runs(sqlite_plugin, shop, tmp_path, monkeypatch):
    model = QueueModel(json.dumps(query_doc()))
    with registered_models(model):
        result = Planner("queue", workdir=None).plan("list the items dearer than 10 in shop.db")
    assert "sqlite_query" in model.asked[0]["system"]
    assert [n.type for n in result.workflow.nodes] == ["sqlite_query"]
    flow = tmp_path / "planned.json"
    flow.write_text(json.dumps(result.workflow.to_json_dict()))
    monkeypatch.chdir(tmp_path)
    ran = CliRunner().invoke(cli, ["run", str(flow), "--json", "-q"])
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.stdout)["outputs"]["names"] == [{"name": "desk"}, {"name": "lamp"}]


def test_a_plugin_type_runs_on_ray_workers(sqlite_plugin, shop, tmp_path):
    doc = {
        "ir_version": "0.1.0",
        "nodes": [
            {
                "id": "each",
                "type": "sqlite_query",
                "batch": {"items": [1, 50, 200], "as": "m", "parallel": True},
                "params": {
                    "database": "shop.db",
                    "query": "SELECT COUNT(*) AS n FROM items WHERE price > ?",
                    "params": ["${m}"],
                },
            }
        ],
        "outputs": {"counts": {"source": "${each.results}"}},
    }
    (tmp_path / "flow.json").write_text(json.dumps(doc))
    done = subprocess.run(
        [sys.executable, "-m", "planflow", "run", "flow.json", "--executor", "ray", "--json", "-q"],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    counts = [r["rows"][0]["n"] for r in json.loads(done.stdout)["outputs"]["counts"]]
    assert counts == [3, 1, 0]


def test_a_broken_plugin_is_one_line_and_the_rest_works(site, tmp_path):
    install(site, "broken-import", "broken_import", "import no_such_module_anywhere\n")
    install(
        site,
        "bad-spec",
        "bad_spec",
        "from planflow import hookimpl\n\n"
        "@hookimpl\ndef register_node_types(register):\n    register('not a spec', 'x:y')\n",
    )
    registry = default_registry()
    assert "shell" in registry and "llm" in registry
    errors = "\n".join(registry.load_errors)
    assert "plugin broken-import: cannot load broken_import: ModuleNotFoundError" in errors
    assert "plugin bad-spec: node type 'not a spec' not registered: expected a NodeTypeSpec, got str" in errors
    result = CliRunner().invoke(cli, ["node-types"])
    assert result.exit_code == 0 and "shell" in result.stdout
    assert result.stderr.count("Warning: plugin") == 2 and "Traceback" not in result.output
