"""Risk engine: pricing and Greeks, implied vol, SVI surface, scenario grid, market table,
the integer margin rule shared with the circuit, and per-account risk views. See docs/risk.md.
"""
