"""Off-chain account state the relayer keeps (collateral, positions)."""
