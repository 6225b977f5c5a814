"""The contract's DBK3 parser and binding (DA_SPEC secs. 4-5) against prover.statement.data_blob:
random blobs give the same alpha and fingerprint; each malformed blob is refused by its own
error, naming the offending entry or word; a dataBinding (alpha + 2^128 (F mod 2^125)) that is
not the blob's is refused (DataBindingMismatch) before the proof is checked."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from web3.contract import Contract
from web3.exceptions import ContractCustomError

from prover.build.anvil import LocalChain, deploy
from prover.build.solidity import collect_sources, compile_sources
from prover.build.toolchain import repo_root
from prover.crypto.field import P
from prover.statement import data_blob
from prover.statement.errors import StatementError
from prover.statement.proof import calldata
from testkit import standin
from testkit.blobs import random_blob
from testkit.contracts import DATA, MARKET_HASH, POSITIONS, Env, decode_error, error_table


@pytest.fixture(scope="module")
def probe(chain: LocalChain) -> Contract:
    arts = compile_sources(collect_sources(repo_root() / "contracts/test/DataBlobProbe.sol"))
    art = arts["DataBlobProbe"]
    return deploy(chain.w3, art.abi, art.bytecode)


def _probe_error(env: Env, call: Callable[[], Any]) -> tuple[str, tuple[Any, ...]]:
    with pytest.raises(ContractCustomError) as info:
        call()
    return decode_error(error_table(env.dep.settlement.abi), info.value.data)  # type: ignore[arg-type]


# --- differential: contract == Python ---------------------------------------------------------


@pytest.mark.parametrize("positions", [1, 2, 3, 4, 5])
def test_binding_matches_python_on_random_blobs(probe: Contract, positions: int) -> None:
    rng = random.Random(1900 + positions)
    for n in (0, 1, 2, 3, 7, 20):
        data = random_blob(n, positions, rng)
        new_root = rng.randrange(P)
        got = probe.functions.bind(data, new_root, positions).call()
        alpha = data_blob.alpha(data, new_root)
        assert got % 2**128 == alpha
        assert got >> 128 == data_blob.fingerprint(data, alpha) % 2**125
        assert got == data_blob.binding(data, new_root)


def test_binding_matches_python_on_edge_words(probe: Contract) -> None:
    """Ids 0 and 2^32 - 1, words 0 and p - 1: the ends of every range the parser checks."""
    k = data_blob.K(POSITIONS)
    entries = (
        data_blob.Entry(0, 0, (0,) * (k + 1)),
        data_blob.Entry(1, P - 1, (P - 1,) * (k + 1)),
        data_blob.Entry((1 << 32) - 1, 1, tuple(range(k + 1))),
    )
    data = data_blob.serialise(data_blob.Blob(POSITIONS, entries))
    for new_root in (0, P - 1):
        assert probe.functions.bind(data, new_root, POSITIONS).call() == data_blob.binding(
            data, new_root
        )


def test_submit_batch_derives_python_binding(ready: Env, t0: int) -> None:
    """Settlement itself (not only the library): its mismatch errors carry what it derived."""
    env = ready
    rng = random.Random(77)
    proof, public, count, _ = env.make_batch(queue_count=0, timestamp=t0)
    for n in (0, 1, 5):
        data = random_blob(n, POSITIONS, rng)
        binding = data_blob.binding(data, public[1])
        a = data_blob.alpha(data, public[1])
        f = data_blob.fingerprint(data, a)
        wrong_alpha = data_blob.pack_binding(a ^ 1, f)
        # the tail one bit off F's, and the tail taken from F's next bits
        for wrong in (wrong_alpha, binding ^ (1 << 128), data_blob.pack_binding(a, f >> 1)):
            assert wrong != binding
            fn = env.settlement.functions.submitBatch(proof, [*public[:-1], wrong], count, data)
            env.reverts(fn, env.relayer, "DataBindingMismatch", binding, wrong)


# --- malformed blobs: each refused with its error --------------------------------------------

_ENTRY = data_blob.entry_bytes(POSITIONS)
_H = data_blob.HEADER_BYTES


def _blob(n: int = 3, seed: int = 5) -> bytearray:
    return bytearray(random_blob(n, POSITIONS, random.Random(seed)))


def _id(data: bytes, i: int) -> int:
    at = _H + i * _ENTRY
    return int.from_bytes(data[at : at + 4], "big")


def _set_id(data: bytearray, i: int, value: int) -> None:
    at = _H + i * _ENTRY
    data[at : at + 4] = value.to_bytes(4, "big")


def _set_word(data: bytearray, i: int, j: int, value: int) -> None:
    at = _H + i * _ENTRY + 4 + 32 * j
    data[at : at + 32] = value.to_bytes(32, "big")


def _malformed() -> list[tuple[str, bytes, str, tuple[Any, ...]]]:
    cases: list[tuple[str, bytes, str, tuple[Any, ...]]] = []
    d = _blob()
    _set_id(d, 2, _id(d, 0))  # entry 2 goes back below entry 1
    cases.append(("unsorted", bytes(d), "DataBlobIdsNotAscending", (2, _id(d, 1), _id(d, 0))))
    d = _blob()
    _set_id(d, 1, _id(d, 0))
    cases.append(("duplicate id", bytes(d), "DataBlobIdsNotAscending", (1, _id(d, 0), _id(d, 0))))
    d = _blob()
    _set_word(d, 1, 2, P)  # entry 1's ct_1
    cases.append(("word == p", bytes(d), "DataBlobWordNotInField", (1, 2, P)))
    d = _blob()
    _set_word(d, 2, 0, (1 << 256) - 1)  # entry 2's leaf hash
    cases.append(("word 2^256-1", bytes(d), "DataBlobWordNotInField", (2, 0, (1 << 256) - 1)))
    full = bytes(_blob())
    want = _H + 3 * _ENTRY
    cases.append(("truncated", full[:-1], "DataBlobWrongLength", (want, want - 1)))
    cases.append(("one byte extra", full + b"\x00", "DataBlobWrongLength", (want, want + 1)))
    cases.append(("header only", full[:_H], "DataBlobWrongLength", (want, _H)))
    cases.append(("short header", full[:6], "DataBlobWrongLength", (_H, 6)))
    other_p = 5  # K = 3: a P = 5 blob, well-formed for its own P
    cases.append(
        ("wrong P", random_blob(2, other_p), "DataBlobWrongPositions", (POSITIONS, other_p))
    )
    cases.append(("wrong magic", b"DBK2" + full[4:], "DataBlobBadMagic", (b"DBK2",)))
    cases.append(("empty", b"", "DataBlobBadMagic", (b"\x00" * 4,)))
    cases.append(("old arbitrary data", bytes(range(64)), "DataBlobBadMagic", (bytes(range(4)),)))
    return cases


@pytest.mark.parametrize(
    ("what", "data", "error", "args"), [pytest.param(*c, id=c[0]) for c in _malformed()]
)
def test_malformed_blob_refused(
    ready: Env, t0: int, what: str, data: bytes, error: str, args: tuple[Any, ...]
) -> None:
    env = ready
    # the blob is parsed before the proof: a well-formed batch with the malformed blob swapped
    # in reaches the parser's error, not InvalidProof (checks, effects, then interactions)
    proof, public, count, _ = env.make_batch(queue_count=0, timestamp=t0)
    fn = env.settlement.functions.submitBatch(proof, public, count, data)
    env.reverts(fn, env.relayer, error, *args)
    with pytest.raises(StatementError):  # Python's decoder refuses it too
        data_blob.decode(data, POSITIONS)


def test_malformed_blob_refused_by_probe_too(ready: Env, probe: Contract) -> None:
    for _what, data, error, args in _malformed():
        got = _probe_error(ready, lambda d=data: probe.functions.bind(d, 1, POSITIONS).call())
        assert got == (error, args)


def test_other_blob_with_batch_binding_refused(ready: Env, t0: int) -> None:
    """A well-formed blob that is not the one the proof bound: dataBinding differs."""
    env = ready
    proof, public, count, data = env.make_batch(queue_count=0, timestamp=t0)
    other = random_blob(3, POSITIONS, random.Random(4242))
    fn = env.settlement.functions.submitBatch(proof, public, count, other)
    env.reverts(
        fn, env.relayer, "DataBindingMismatch", data_blob.binding(other, public[1]), public[-1]
    )
    # same blob, other newRoot: alpha moves with the root (the root fixes the records first)
    moved = [public[0], (public[1] + 1) % P, *public[2:]]
    fn = env.settlement.functions.submitBatch(proof, moved, count, data)
    want = data_blob.binding(data, moved[1])
    env.reverts(fn, env.relayer, "DataBindingMismatch", want, public[-1])


def test_wrong_fingerprint_with_verifying_proof_refused(ready: Env, t0: int) -> None:
    """A proof that verifies for a dataBinding whose tail is not the blob's F mod 2^125 (the
    stand-in binds whatever it is given) is refused by the contract's own derivation, before
    the verifier (DataBindingMismatch)."""
    env = ready
    processed = env.settlement.functions.state().call()[0]
    inputs = standin.batch_inputs(
        old_root=env.settlement.functions.stateRoot().call(),
        secret=42,
        market_hash=MARKET_HASH,
        timestamp=t0,
        chain_old=env.chain_at(processed),
        chain_new=env.chain_at(processed),
        withdrawals=[],
        data=DATA,
    )
    good = inputs["dataBinding"]
    wrong = good ^ (1 << 128)  # alpha right, the lowest bit of F's tail flipped
    inputs["dataBinding"] = wrong
    proof, public = standin.prove("batch_standin", inputs)
    verifier = env.dep.bind(env.w3, "batch_verifier")
    assert verifier.functions.verifyProof(*calldata(proof, public)).call()
    fn = env.settlement.functions.submitBatch(proof, public, 0, DATA)
    env.reverts(fn, env.relayer, "DataBindingMismatch", good, wrong)


def test_settlement_fits_code_size_limit(env: Env) -> None:
    """EIP-170: the deployed runtime must stay under 24,576 bytes (anvil refuses more, as
    mainnet does); the margin left is what future checks may spend."""
    code = env.w3.eth.get_code(env.settlement.address)
    assert len(code) <= 24_576, f"Settlement runtime is {len(code)} bytes"
