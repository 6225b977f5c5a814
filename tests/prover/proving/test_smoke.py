"""The whole toolchain end to end: a real snarkjs proof checked off-chain and by the verifier."""

from prover.proving.smoke import run_smoke


def test_smoke_flow_end_to_end() -> None:
    report = run_smoke()
    assert report.constraints > 200  # Poseidon(2) plus one product
    assert report.offchain_ok
    assert report.onchain_ok
    assert report.onchain_tampered_rejected
    assert report.public_signals[-1] == "33"
