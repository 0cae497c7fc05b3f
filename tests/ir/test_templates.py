from __future__ import annotations

import pytest

from planflow.ir.templates import (
    Ref,
    TemplateSyntaxError,
    UnresolvedReference,
    context_lookup,
    parse_template,
    render,
    resolve_value,
)


@pytest.mark.parametrize(
    ("text", "root", "path"),
    [
        ("${name}", "name", ()),
        ("${name.field}", "name", ("field",)),
        ("${name.list[0].field}", "name", ("list", 0, "field")),
        ("${my-node.results[12]}", "my-node", ("results", 12)),
        ("${a[0][1]}", "a", (0, 1)),
    ],
)
def test_parses_each_form(text, root, path):
    template = parse_template(text)
    assert template.is_single_ref
    assert template.refs == (Ref(root, path, text),)


def test_mixed_text_and_escape():
    template = parse_template("cost: $5, $${literal} and ${x.y} $HOME")
    assert template.parts == ("cost: $5, ${literal} and ", Ref("x", ("y",), "${x.y}"), " $HOME")
    assert not template.is_single_ref


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("${x", "unterminated"),
        ("${}", "must start with a name"),
        ("${1abc}", "must start with a name"),
        ("${a..b}", "malformed"),
        ("${a[x]}", "malformed"),
        ("${a b}", "malformed"),
        ("${a.}", "malformed"),
    ],
)
def test_syntax_errors_say_what_is_wrong(text, fragment):
    with pytest.raises(TemplateSyntaxError) as info:
        parse_template(text)
    assert fragment in info.value.message


CONTEXT = {
    "n": 3,
    "items": ["a", "b"],
    "node": {"files": ["x.md", "y.md"], "json": None, "results": [{"response": "hi", "item": "x"}]},
    "name": "file; rm -rf /",
}


def resolve(text):
    return resolve_value(text, context_lookup(CONTEXT))


def test_single_template_keeps_its_type():
    assert resolve("${n}") == 3
    assert resolve("${items}") == ["a", "b"]
    assert resolve("${node.json}") is None
    assert resolve("${node.results[0].response}") == "hi"


def test_text_inserts_strings_as_is_and_others_as_json():
    assert resolve("n=${n} items=${items} name=${name}") == 'n=3 items=["a", "b"] name=file; rm -rf /'
    assert resolve("$${n} is ${n}") == "${n} is 3"


def test_resolves_inside_nested_params():
    assert resolve({"a": ["${n}", {"b": "x${n}"}], "c": 1}) == {"a": [3, {"b": "x3"}], "c": 1}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("${missing}", "nothing is named 'missing'"),
        ("${node.nope}", "node has no field 'nope' (fields: files, json, results)"),
        ("${node.files[5]}", "node.files has 2 items, no [5]"),
        ("${n.field}", "n is a number, it has no field 'field'"),
        ("${node.json[0]}", "node.json is null, not a list"),
    ],
)
def test_unresolvable_templates_are_errors_not_empty_strings(text, reason):
    with pytest.raises(UnresolvedReference) as info:
        resolve(text)
    assert info.value.reason == reason
    assert text in str(info.value)


def test_render_calls_lookup_once_per_reference():
    seen = []
    out = render(parse_template("${a}-${b}"), lambda ref: seen.append(ref.root) or ref.root.upper())
    assert out == "A-B"
    assert seen == ["a", "b"]
