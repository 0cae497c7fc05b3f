"""`planflow validate` and `planflow schema`."""

from __future__ import annotations

import json
import sys
from importlib import resources

import click

from planflow.cli.exit_codes import ExitStatus


@click.command("validate")
@click.argument("file")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of lines.")
def validate_command(file: str, as_json: bool) -> None:
    """Check a workflow FILE (or saved NAME, or - for stdin); exit 0 when valid, 1 when not."""
    from planflow.cli.workflow_source import resolve_workflow_path
    from planflow.ir import validate_file, validate_text
    from planflow.ir.limits import MAX_DOCUMENT_CHARS
    from planflow.runtime.registry import default_registry

    specs = default_registry().specs()
    if file == "-":  # one character past the limit is enough for the validator to refuse it
        result = validate_text(sys.stdin.read(MAX_DOCUMENT_CHARS + 1), specs)
    else:
        path = resolve_workflow_path(file)
        if not path.exists() and not as_json:
            click.echo(
                f"Error: no such file or saved workflow: {file} (`planflow list` shows the saved ones)", err=True
            )
            raise SystemExit(ExitStatus.FAILED)
        result = validate_file(path, specs)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    elif result.valid:
        click.echo(f"{file}: valid")
    else:
        for issue in result.issues:
            click.echo(str(issue))
        click.echo(f"{file}: {len(result.issues)} problem(s)", err=True)
    raise SystemExit(ExitStatus.OK if result.valid else ExitStatus.FAILED)


@click.command("schema")
@click.option("--generic", is_flag=True, help="Params as any object (the schema the planner sends a model).")
def schema_command(generic: bool) -> None:
    """Print the workflow IR's JSON Schema, each node type's params typed (for editors)."""
    if generic:
        click.echo(resources.files("planflow.ir").joinpath("schema.json").read_text(encoding="utf-8"), nl=False)
        return
    import json

    from planflow.ir.models import json_schema
    from planflow.ir.typed_schema import typed_json_schema
    from planflow.runtime.registry import default_registry

    typed = typed_json_schema(json_schema(), default_registry().specs())
    click.echo(json.dumps(typed, indent=2, sort_keys=True))
