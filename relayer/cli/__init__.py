"""The `darkbook` command: one sub-command per module in this package."""
