"""What a batch's keeper ops (liquidations, expiry settlements) and its forced withdrawal did
to each account, for the relayer's ledger: the difference between two model states of the
same batch, before and after those ops, so the ledger books exactly what the model (and so the
proof) computed (a forced payout is a negative cash change of its account).

Account 0's difference is its keeper flow: the liquidation cash it paid or got and the
settlements it paid or received (fees never reach it: they leave the tree, issue 18 rule 1).
"""

from __future__ import annotations

from prover.model.state import State

# account id -> (collateral change, series id -> position change)
Deltas = dict[int, tuple[int, dict[int, int]]]


def _positions(state: State, aid: int) -> dict[int, int]:
    acct = state.get(aid)
    out: dict[int, int] = {}
    for sid, q in acct.positions if acct is not None else ():
        if sid:
            out[sid] = out.get(sid, 0) + q
    return out


def keeper_deltas(before: State, after: State, accounts: set[int]) -> Deltas:
    """Per account in ``accounts``: collateral and position changes from ``before`` to
    ``after`` (accounts nothing happened to are left out)."""
    out: Deltas = {}
    for aid in sorted(accounts):
        b, a = before.get(aid), after.get(aid)
        cash = (a.collateral if a else 0) - (b.collateral if b else 0)
        pb, pa = _positions(before, aid), _positions(after, aid)
        moved = {s: pa.get(s, 0) - pb.get(s, 0) for s in pb.keys() | pa.keys()}
        moved = {s: d for s, d in sorted(moved.items()) if d}
        if cash or moved:
            out[aid] = (cash, moved)
    return out


def merge_deltas(a: Deltas, b: Deltas) -> Deltas:
    """Both batches of changes summed per account (a forced payout beside the keepers')."""
    out: Deltas = {aid: (cash, dict(moved)) for aid, (cash, moved) in a.items()}
    for aid, (cash, moved) in b.items():
        c, m = out.get(aid, (0, {}))
        for sid, d in moved.items():
            m[sid] = m.get(sid, 0) + d
        out[aid] = (c + cash, {s: d for s, d in sorted(m.items()) if d})
    return out
