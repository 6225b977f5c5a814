"""The settlement pipeline: chain watch, batcher, prover service, submitter (docs/ARCHITECTURE.md,
"Settlement pipeline and demo")."""
