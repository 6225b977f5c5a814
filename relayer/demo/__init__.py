"""`darkbook demo`: the whole venue on a local chain (docs/ARCHITECTURE.md, "Settlement
pipeline and demo")."""
