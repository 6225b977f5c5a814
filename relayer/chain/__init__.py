"""On-chain side of the relayer: contract deployment (and later submission and keepers)."""
