"""The owner tooling's hand-held ABI is Settlement's: every event and function it names has
the compiled contract's inputs (names, types, indexed) and outputs."""

from __future__ import annotations

from recovery.abi import SETTLEMENT_ABI
from relayer.chain.deploy import compile_contracts


def _shape(item: dict) -> tuple:
    ins = tuple((i["name"], i["type"], i.get("indexed", False)) for i in item.get("inputs", []))
    outs = tuple(o["type"] for o in item.get("outputs", []))
    return item["type"], item["name"], ins, outs


def test_every_fragment_matches_the_compiled_settlement() -> None:
    compiled = {(i["type"], i.get("name")): i for i in compile_contracts()["Settlement"].abi}
    for item in SETTLEMENT_ABI:
        real = compiled.get((item["type"], item["name"]))
        assert real is not None, f"Settlement has no {item['type']} {item['name']}"
        assert _shape(item) == _shape(real), item["name"]
