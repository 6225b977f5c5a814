"""Darkbook's proof side, in layers (docs/ARCHITECTURE.md, "Layers"):

- ``prover.crypto``: field, Poseidon, Baby Jubjub, EdDSA, Merkle trees, ECDH and cipher;
- ``prover.statement``: what the proof, the contract and the relayer agree on, once;
- ``prover.model``: the batch circuit's reference model (plain-integer state transition);
- ``prover.build``: node toolchain, artifact cache, circom, solc, powers of tau, local anvil;
- ``prover.proving``: keys, witnesses, the two Groth16 provers, the pool, `darkbook prove`.
"""
