"""``darkbook audit-privacy``: what a chain observer can read of a Settlement deployment.

Reads every transaction sent to the contract and every event it emitted, from its deployment to
the head; decodes them with the contract's ABI; scans every byte of calldata and event data for
order fields, positions and balances in clear (``clear_text``); and draws the links between
accounts the chain shows (``links``). docs/privacy.md says which findings are by design.
"""
