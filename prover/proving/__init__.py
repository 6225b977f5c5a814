"""Groth16 keys and proofs: dev and ceremony setup, witnesses, arkworks and snarkjs, the pool."""
