"""Artifacts are keyed by content: unchanged inputs never rebuild, a failed build leaves nothing."""

from pathlib import Path

import pytest

from prover.build import cache, circom, toolchain


@pytest.fixture()
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DARKBOOK_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_content_key_depends_on_every_part() -> None:
    assert cache.content_key("a", "b") == cache.content_key("a", "b")
    assert cache.content_key("a", "b") != cache.content_key("ab")
    assert cache.content_key("a", "b") != cache.content_key("b", "a")


def test_failed_build_leaves_no_entry(private_cache: Path) -> None:
    with pytest.raises(RuntimeError), cache.building("kind", "k1") as scratch:
        (scratch / "half").write_text("x")
        raise RuntimeError("crash mid-build")
    assert cache.lookup("kind", "k1") is None
    assert list((private_cache / "kind").iterdir()) == []


def test_compile_is_cached_and_keyed_by_includes(
    private_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "double.circom").write_text(
        "pragma circom 2.1.0;\ntemplate Double() { signal input x; signal output y; y <== 2*x; }\n"
    )
    main = tmp_path / "main.circom"
    main.write_text(
        'pragma circom 2.1.0;\ninclude "double.circom";\n'
        "template M() { signal input a; signal output b; signal output c;"
        " b <== Double()(a); c <== a * b; }\ncomponent main = M();\n"
    )
    first = circom.compile_circuit(main, [lib])
    assert first.r1cs.is_file() and first.wasm.is_file() and first.sym.is_file()

    calls: list[object] = []
    real = toolchain.run_tool
    monkeypatch.setattr(toolchain, "run_tool", lambda *a, **k: calls.append(a) or real(*a, **k))
    again = circom.compile_circuit(main, [lib])
    assert again == first and calls == []  # cache hit: circom never ran

    (lib / "double.circom").write_text(
        "pragma circom 2.1.0;\ntemplate Double() { signal input x; signal output y; y <== x+x; }\n"
    )
    changed = circom.compile_circuit(main, [lib])
    assert changed.key != first.key and len(calls) == 1  # an included file changed: rebuilt


def test_a_build_without_symbols_is_its_own_entry_and_still_makes_witnesses(
    private_cache: Path, tmp_path: Path
) -> None:
    from prover.proving.input_check import check_inputs
    from prover.proving.prove_circuit import compute_witness

    main = tmp_path / "square.circom"
    main.write_text(
        "pragma circom 2.1.0;\ntemplate S() { signal input a; signal output b; b <== a * a; }\n"
        "component main = S();\n"
    )
    named = circom.compile_circuit(main, [])
    bare = circom.compile_circuit(main, [], symbols=False)
    assert bare.key != named.key and bare.sym is None
    assert not list(bare.folder.glob("*.sym")) and named.sym is not None and named.sym.is_file()
    with pytest.raises(Exception, match="unknown signal 'x'"):
        check_inputs(named, {"x": 3})  # names checked where circom wrote them
    check_inputs(bare, {"x": 3})  # no names: the witness calculator checks
    wtns = compute_witness(bare, {"a": 3}, tmp_path / "w.wtns")
    assert wtns.is_file()
