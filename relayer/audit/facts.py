"""What a decoded call or event states in clear, by argument name: keys, addresses, account
ids and amounts (each public by design, docs/privacy.md), the links between them, and the
accounts a batch's data blob names."""

from __future__ import annotations

from itertools import combinations
from typing import Any

from relayer.audit.blob import blob_leaves
from relayer.audit.findings import Finding, Link, Where

ADDRESS_ARGS = ("depositor", "owner", "requester", "to", "account", "treasury")
ACCOUNT_ARGS = ("accountId", "account_id")
AMOUNT_ARGS = ("amount", "units")
ORDER_ARGS = ("orderId",)  # a cancel request names the order id it cancels (nothing else)
BLOB_ARGS = ("data",)


def _hex(v: int) -> str:
    return f"0x{v:064x}"[:14]


def labels(args: dict[str, Any]) -> list[str]:
    """The identities one call or event names: ``key:``, ``address:``, ``account:``."""
    out = []
    if isinstance(args.get("ax"), int) and isinstance(args.get("ay"), int):
        out.append(f"key:{_hex(args['ax'])}")
    for a in ADDRESS_ARGS:
        if isinstance(args.get(a), str):
            out.append(f"address:{args[a]}")
    for a in ACCOUNT_ARGS:
        if isinstance(args.get(a), int):
            out.append(f"account:{args[a]}")
    return out


class LeafHistory:
    """The blobs already read (each counted once: the same blob is in ``submitBatch``'s input
    and in its ``BatchSubmitted`` event) and the last published hash of every leaf. Under DBK3
    every entry is a write (a leaf's ``count`` goes up on every write, so its hash always
    changes), so the hashes are kept only to report a blob that repeats one (never expected)."""

    def __init__(self) -> None:
        self.hashes: dict[int, int] = {}
        self.seen: set[bytes] = set()


def describe(
    name: str, args: dict[str, Any], where: Where, history: LeafHistory
) -> tuple[list[Finding], list[Link]]:
    """Findings and links of one decoded call or event."""
    findings: list[Finding] = []
    named = labels(args)
    links = [
        Link(a, b, f"{name} names both", where, expected=True) for a, b in combinations(named, 2)
    ]
    if isinstance(args.get("batchNumber"), int):  # e.g. a withdrawal's address: one of the
        batch = f"batch:{args['batchNumber']}"  # accounts that batch wrote
        links += [Link(batch, x, f"{name} in that batch", where, True) for x in named]
    who = {k: v for k, v in args.items() if k in (*ADDRESS_ARGS, *ACCOUNT_ARGS)}
    for a in AMOUNT_ARGS:
        if isinstance(args.get(a), int):
            fields = {"amount": args[a], **who}
            findings.append(Finding("balance", where, fields, True, "a token movement's amount"))
    for a in ORDER_ARGS:
        if isinstance(args.get(a), int):
            fields = {"order_id": args[a], **who}
            findings.append(Finding("order_id", where, fields, True, f"{name} names it"))
    for label in named:
        kind, value = label.split(":", 1)
        findings.append(Finding(kind, where, {kind: value}, True, f"{name} names it"))
    for a in BLOB_ARGS:
        if isinstance(args.get(a), bytes) and args[a] and args[a] not in history.seen:
            history.seen.add(args[a])
            f, ls = _blob(args[a], args, where, history)
            findings += f
            links += ls
    return findings, links


def _blob(
    data: bytes, args: dict[str, Any], where: Where, history: LeafHistory
) -> tuple[list[Finding], list[Link]]:
    batch = args.get("batchNumber", where.tx[:10])
    leaves = blob_leaves(data)
    if leaves is None:
        why = "a data blob this build cannot parse (scanned as raw bytes)"
        return [Finding("blob", where, {"magic": data[:4].hex()}, False, why)], []
    count = {"batch": str(batch), "entries": len(leaves)}
    found = [Finding("entries", where, count, True, "a blob's entry count (>= A + 1 if it can)")]
    links = []
    for aid, h in sorted(leaves.items()):
        repeated = history.hashes.get(aid) == h  # DBK3: a write always changes the hash
        history.hashes[aid] = h
        fields: dict[str, int | str] = {"account": aid, "batch": str(batch)}
        fields["written"] = not repeated
        if repeated:
            why = "a blob entry repeating the leaf's previous hash: not a DBK3 write"
            found.append(Finding("account", where, fields, False, why))
            continue
        why = "a blob entry: the batch wrote this leaf (an operation or a cover touch, alike)"
        found.append(Finding("account", where, fields, True, why))
        links.append(
            Link(f"batch:{batch}", f"account:{aid}", "written by the same batch", where, True)
        )
    return found, links
