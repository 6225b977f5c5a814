"""Risk engine: pricing and Greeks, implied vol, SVI surface, scenario grid, building the
market table (the statement layer's ``MarketTable``) and per-account risk views. The table's
hash and the integer margin rule live in ``prover.statement``. See docs/risk.md.
"""
