"""Hints over many names: the same answers as difflib for a few names, bounded for many."""

from __future__ import annotations

import difflib

from planflow.ir.suggest import LISTED, Names, listing


def test_a_few_names_get_difflibs_answer():
    names = ["list", "read", "summarize", "report"]
    for typo in ("lsit", "sumarize", "reprot", "zzz"):
        expected = difflib.get_close_matches(typo, names, n=1, cutoff=0.6)
        assert Names(names).closest(typo) == (expected[0] if expected else None)


def test_many_names_still_find_a_late_typo_and_a_shortening():
    names = Names([f"step_{i}" for i in range(20_000)] + ["summarize_reports"])
    assert names.closest("summarize_reprots") == "summarize_reports"
    assert names.closest("step_1999x").startswith("step_1999")


def test_an_extra_name_counts_like_the_others():
    assert Names(["list", "read"]).closest("fil", extra="file") == "file"


def test_prefix_relatives_both_ways():
    names = Names(["count", "count_words", "list"])
    assert names.prefix_relatives("count_w") == ["count_words", "count"]
    assert names.prefix_relatives("lis") == ["list"]
    assert names.prefix_relatives("zzz") == []


def test_listings_are_capped():
    names = Names([f"n{i}" for i in range(20_000)])
    text = names.listing("node ids")
    assert text.startswith("node ids: n0, n1, n10, ")
    assert text.endswith(f"(and {20_000 - LISTED:,} more)")
    assert listing("params", ["b", "a", "b"]) == "params: a, b"
    assert listing("params", []) == "there are no params"
