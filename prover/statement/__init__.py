"""The statement layer: everything the proof, the contract and the relayer must agree on, once.

Encodings and the signing domain (``encoding``), the circuit's parameter sets (``config``),
the integer margin rule with the leaf constraints (``margin``), the market table and its hash
(``market``), the public-input layout, deposit-chain step and withdrawal value
(``public_inputs``), the data-blob layout (``data_blob``) and the proof's words (``proof``).
It imports only ``prover.crypto`` and ``prover.errors`` (checked by import-linter).
"""
