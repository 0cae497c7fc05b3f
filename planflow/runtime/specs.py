"""The built-in node types' contracts: params in, outputs out, and when to use each.

Pure data: the validator, the planner's catalog and the runtime all read these, so a param or
output is declared once.
"""

from __future__ import annotations

from planflow.ir.node_spec import NodeTypeSpec, OutputField, ParamSpec

# Output caps: measured before them, 1 GB of stdout took 5.9 GB of memory and a 500 MB
# response 2 GB. A param raises them per node.
DEFAULT_MAX_OUTPUT = 50_000_000  # shell: bytes of stdout, and of stderr
DEFAULT_MAX_BYTES = 50_000_000  # http: bytes of response body

SHELL = NodeTypeSpec(
    name="shell",
    cpu_bound=True,
    summary="Run a bash command.",
    when_to_use="Local programs and text tools (grep, wc, sort, head, git...). Write ${x} bare or in "
    "double quotes: it arrives as one word, never as code. Never put ${x} inside single quotes, another "
    "program's code or arithmetic; pass it as an argument or variable (awk -v x=${x}, jq --arg x ${x}, "
    "python3 -c '...sys.argv[1]...' ${x}).",
    io_bound=True,
    params=(
        ParamSpec("command", "string", "The bash command line.", required=True, substitution="shell"),
        ParamSpec("stdin", "any", "Text (or JSON for other values) fed to standard input."),
        ParamSpec("cwd", "string", "Working directory."),
        ParamSpec("env", "object", 'Extra environment variables (values may be templates: "$NAME" in the command).'),
        ParamSpec("timeout", "number", "Seconds before the command is killed (more than 0).", positive=True),
        ParamSpec(
            "max_output",
            "integer",
            "Bytes of stdout (and of stderr) kept before the item fails.",
            default=DEFAULT_MAX_OUTPUT,
            in_catalog=False,
        ),
    ),
    outputs=(
        OutputField("stdout", "string", "Standard output."),
        OutputField("stderr", "string", "Standard error."),
        OutputField("exit_code", "integer", "Exit status (0 when the node succeeds)."),
        OutputField("lines", "array", "Standard output split into lines.", item_type="string"),
        OutputField("json", "any", "Standard output parsed as JSON, or null."),
    ),
)

LLM = NodeTypeSpec(
    name="llm",
    waits_on_service=True,
    summary="Ask a language model.",
    when_to_use="Summarising, classifying, extracting, writing text. Give a schema for structured output.",
    io_bound=True,
    params=(
        ParamSpec("prompt", "string", "The prompt text.", required=True),
        ParamSpec("system", "string", "System prompt."),
        ParamSpec("model", "string", "Model id as `llm` knows it; default: the run's model."),
        ParamSpec("schema", "object", "JSON Schema the response must follow."),
        ParamSpec("temperature", "number", "Sampling temperature."),
    ),
    outputs=(
        OutputField("response", "string", "The response text."),
        OutputField("json", "any", "The parsed response when a schema is given, else null."),
        OutputField("usage", "object", "Token counts: input, output."),
    ),
)

READ_FILE = NodeTypeSpec(
    name="read_file",
    summary="Read a text file.",
    when_to_use="Load a file's text; its `json` feeds a batch when the file holds a JSON list.",
    params=(ParamSpec("path", "string", "Path of the file.", required=True, is_path=True),),
    outputs=(
        OutputField("content", "string", "The file's text."),
        OutputField("path", "string", "The path read."),
        OutputField("json", "any", "The content parsed as JSON, or null."),
    ),
)

WRITE_FILE = NodeTypeSpec(
    name="write_file",
    cpu_bound=True,
    summary="Write a text file (atomically).",
    when_to_use="Save a result. Non-string content is written as JSON.",
    params=(
        ParamSpec("path", "string", "Path of the file.", required=True, is_path=True),
        ParamSpec("content", "any", "What to write.", required=True),
        ParamSpec("append", "boolean", "Append instead of replacing.", default=False),
    ),
    outputs=(
        OutputField("path", "string", "The path written."),
        OutputField("bytes", "integer", "Bytes written."),
    ),
)

LIST_FILES = NodeTypeSpec(
    name="list_files",
    cpu_bound=True,
    summary="List files in a folder matching a glob.",
    when_to_use="Find the files a batch should work on. Paths start with dir as written (docs/a.md).",
    params=(
        ParamSpec("dir", "string", "Folder to list.", default=".", is_path=True),
        ParamSpec("pattern", "string", "Glob pattern such as *.md.", default="*", glob=True),
        ParamSpec("recursive", "boolean", "Descend into sub-folders.", default=False),
        ParamSpec(
            "exclude",
            ("string", "array"),
            "Glob or list of globs of files to leave out, matched against the name and the path inside dir "
            "(such as *.summary.txt).",
            item_type="string",
        ),
    ),
    outputs=(
        OutputField("files", "array", "Matching paths, sorted.", item_type="string"),
        OutputField("count", "integer", "How many matched."),
    ),
)

HTTP = NodeTypeSpec(
    name="http",
    waits_on_service=True,
    summary="Make an HTTP request.",
    when_to_use="Call web APIs and fetch pages. A status of 400 or more fails the node.",
    io_bound=True,
    params=(
        ParamSpec("url", "string", "The URL.", required=True),
        ParamSpec("method", "string", "HTTP method.", default="GET"),
        ParamSpec("headers", "object", "Request headers."),
        ParamSpec("params", "object", "Query parameters."),
        ParamSpec("json", "any", "A JSON request body."),
        ParamSpec("body", "string", "A text request body."),
        ParamSpec("timeout", "number", "Seconds before giving up (more than 0).", default=30, positive=True),
        ParamSpec(
            "max_bytes",
            "integer",
            "Bytes of response body kept before the request fails.",
            default=DEFAULT_MAX_BYTES,
            in_catalog=False,
        ),
    ),
    outputs=(
        OutputField("status", "integer", "HTTP status code."),
        OutputField("headers", "object", "Response headers."),
        OutputField("body", "string", "Response text."),
        OutputField("json", "any", "The response parsed as JSON, or null."),
        OutputField("size", "integer", "Bytes of the response body as received (after decompression)."),
    ),
)

JOIN = NodeTypeSpec(
    name="join",
    summary="Render each item of a list with a template and join them into one text.",
    when_to_use=(
        "Combine a batch's results into one text (a line per file, a section per product) without jq: "
        'batch over the list, e.g. {"items": "${summarize.results}", "as": "r"}, and write text with ${r…}.'
    ),
    aggregates_batch=True,
    params=(
        ParamSpec(
            "text", "string", "What each item renders as (the item by the batch's `as`).", required=True, per_item=True
        ),
        ParamSpec("separator", "string", "Between two rendered items.", default="\n"),
        ParamSpec("header", "string", "Before the first item (rendered once: no item in it).", default=""),
        ParamSpec("footer", "string", "After the last item (rendered once).", default=""),
        ParamSpec("null_text", "string", "What a null (failed) item renders as; default: it is skipped."),
    ),
    outputs=(
        OutputField("text", "string", "The joined text."),
        OutputField("count", "integer", "How many items were rendered."),
        OutputField("skipped", "integer", "How many null items were left out."),
    ),
)

BUILTIN_SPECS: tuple[NodeTypeSpec, ...] = (SHELL, LLM, READ_FILE, WRITE_FILE, LIST_FILES, HTTP, JOIN)
