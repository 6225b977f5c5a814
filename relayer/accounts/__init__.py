"""Off-chain account state the relayer keeps (collateral, positions) and its margin checks."""
