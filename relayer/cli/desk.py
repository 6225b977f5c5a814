"""`darkbook desk ...`: a trading desk's commands, a thin shell over the desk SDK (desk/).

Keys live in encrypted keystores (`keys new|list|export`); `deposit` and `claim` go on-chain;
`order`, `cancel` and `withdraw` are signed and sent to the relayer; `venue`, `orders`,
`fills`, `positions` and `withdrawals` read, as a table or with `--json`. Settings come from
flags, `DARKBOOK_DESK_*` environment variables or a config file (desk/settings.py); the
passphrase from `DARKBOOK_DESK_PASSPHRASE`, `--passphrase-file`, or a prompt.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # every `darkbook` command builds this parser: keep the SDK out of start-up
    from desk import Desk
    from desk.settings import DeskSettings


def _common() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--config", type=Path, help="TOML/JSON settings file ([desk] table)")
    p.add_argument("--relayer-url", help="the relayer API (DARKBOOK_DESK_RELAYER_URL)")
    p.add_argument("--rpc-url", help="JSON-RPC of the venue's chain (DARKBOOK_DESK_RPC_URL)")
    p.add_argument("--keys-dir", type=Path, help="keystore folder (default ~/.darkbook/desk/keys)")
    p.add_argument("--key", help="keystore name (DARKBOOK_DESK_KEY)")
    p.add_argument("--passphrase-file", type=Path, help="file whose first line is the passphrase")
    p.add_argument("--account-id", type=int, help="else found from the deposit queue")
    p.add_argument("--timeout", type=float, help="seconds per HTTP request")
    return p


def _add(sub: argparse._SubParsersAction, name: str, func: Any, help: str, read: bool = False):
    p = sub.add_parser(name, help=help, parents=[_common()])
    if read:
        p.add_argument("--json", action="store_true", help="print JSON (for scripts)")
    p.set_defaults(func=func)
    return p


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("desk", help="a trading desk: keys, deposits, orders, withdrawals")
    dsub = p.add_subparsers(dest="desk_command", required=True)

    keys = dsub.add_parser("keys", help="encrypted desk keystores")
    ksub = keys.add_subparsers(dest="keys_command", required=True)
    new = _add(ksub, "new", keys_new, "create a keystore (trading key + Ethereum key)")
    new.add_argument("name")
    new.add_argument("--scrypt-n", type=int, default=2**18, help="scrypt work factor")
    _add(ksub, "list", keys_list, "list keystores (no passphrase needed)", read=True)
    export = _add(ksub, "export", keys_export, "print a keystore's public keys", read=True)
    export.add_argument("name")

    _add(dsub, "venue", venue, "what the venue announces (chain, domain, series)", read=True)
    dep = _add(dsub, "deposit", deposit, "deposit collateral on-chain, wait for the credit")
    dep.add_argument("amount", help="base units (or tokens with --tokens)")
    dep.add_argument("--tokens", action="store_true", help="the amount is in whole tokens")
    dep.add_argument("--no-wait", action="store_true", help="do not wait for the credit")

    order = _add(dsub, "order", order_cmd, "sign and submit an order", read=True)
    order.add_argument("side", nargs="?", choices=["buy", "sell"])
    order.add_argument("series", nargs="?", type=int)
    order.add_argument("price", nargs="?", help="base units per contract (--tokens: tokens)")
    order.add_argument("qty", nargs="?", help="contracts")
    order.add_argument(
        "--leg", action="append", default=[], help="SIDE:SERIES:PRICE:QTY, repeat for a group"
    )
    order.add_argument("--type", default="limit", choices=["limit", "ioc", "fok", "post_only"])
    order.add_argument("--expiry", type=int, help="unix seconds (default: in 24 h)")
    order.add_argument("--client-order-id")
    order.add_argument("--tokens", action="store_true", help="prices are in whole tokens")

    cancel = _add(dsub, "cancel", cancel_cmd, "cancel an order by its order id", read=True)
    cancel.add_argument("order_id", type=int)

    orders = _add(dsub, "orders", orders_cmd, "your orders, newest first", read=True)
    orders.add_argument("--status", choices=["open", "filled", "cancelled", "expired"])
    orders.add_argument("--limit", type=int, default=100)
    fills = _add(dsub, "fills", fills_cmd, "your fills, oldest first", read=True)
    fills.add_argument("--after", type=int, default=0, help="fill id to start after")
    fills.add_argument("--limit", type=int, default=100)
    _add(dsub, "positions", positions_cmd, "collateral, positions, margin, Greeks", read=True)
    _add(dsub, "withdrawals", withdrawals_cmd, "your withdrawals and their status", read=True)

    wd = _add(dsub, "withdraw", withdraw_cmd, "withdraw collateral (claim once settled)", read=True)
    wd.add_argument("amount", help="base units (or tokens with --tokens)")
    wd.add_argument("--to", help="Ethereum address (default: the keystore's)")
    wd.add_argument("--tokens", action="store_true", help="the amount is in whole tokens")
    wd.add_argument("--wait", action="store_true", help="wait until it is claimable")

    claim = _add(dsub, "claim", claim_cmd, "claim settled withdrawals on-chain", read=True)
    claim.add_argument(
        "--wait", action="store_true", help="first wait for your newest withdrawal to be claimable"
    )


# -- plumbing --------------------------------------------------------------------------------


def _settings(args: argparse.Namespace) -> DeskSettings:
    from desk.settings import load_desk_settings

    names = ("config", "relayer_url", "rpc_url", "keys_dir", "key", "passphrase_file")
    flags = {n: getattr(args, n, None) for n in (*names, "account_id", "timeout")}
    return load_desk_settings(**flags)


def _passphrase(s: DeskSettings, confirm: bool = False) -> str:
    from desk.errors import KeystoreError

    if s.passphrase:
        return s.passphrase
    if s.passphrase_file:
        try:
            return s.passphrase_file.expanduser().read_text().splitlines()[0]
        except (OSError, IndexError) as exc:
            raise KeystoreError(f"passphrase file {s.passphrase_file}: {exc}") from None
    if not sys.stdin.isatty():
        raise KeystoreError(
            "no passphrase: set DARKBOOK_DESK_PASSPHRASE or --passphrase-file (no terminal to ask)"
        )
    pw = getpass.getpass("keystore passphrase: ")
    if confirm and getpass.getpass("again: ") != pw:
        raise KeystoreError("the two passphrases differ: try again")
    return pw


def _desk(args: argparse.Namespace) -> Desk:
    from desk import Desk

    s = _settings(args)
    return Desk.open(
        s.keystore_path,
        _passphrase(s),
        s.relayer_url,
        rpc_url=s.rpc_url,
        account_id=s.account_id,
        timeout=s.timeout,
    )


def _progress() -> Any:
    last: list[str] = []

    def say(msg: str) -> None:  # one line per change, on stderr (stdout stays parseable)
        if not last or last[-1] != msg:
            last.append(msg)
            print(f"... {msg}", file=sys.stderr, flush=True)

    return say


def _dump(value: Any) -> Any:
    if isinstance(value, list):
        return [_dump(v) for v in value]
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value


def _show(args: argparse.Namespace, value: Any, rows: list[dict], columns: list[str]) -> int:
    if getattr(args, "json", False):
        print(json.dumps(_dump(value), indent=2))
    else:
        print(_table(rows, columns))
    return 0


def _table(rows: list[dict], columns: list[str]) -> str:
    if not rows:
        return "(none)"
    cells = [[str(r.get(c, "")) if r.get(c) is not None else "-" for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def _number(text: str) -> int | str:
    """An integer as int; anything else (``2.5``) as text, for the SDK to name the unit error."""
    try:
        return int(text)
    except ValueError:
        return text


def _amount(desk: Desk, text: str, tokens: bool) -> int | str:
    from desk import base_units
    from desk.venue import token_decimals

    return base_units(text, token_decimals(desk.venue)) if tokens else _number(text)


# -- keys --------------------------------------------------------------------------------------


def keys_new(args: argparse.Namespace) -> int:
    from desk import keystore

    s = _settings(args)
    pub = keystore.create(
        s.keys_dir.expanduser(), args.name, _passphrase(s, confirm=True), scrypt_n=args.scrypt_n
    )
    print(f"created {pub.path}\ntrading key {pub.packed}\nEthereum address {pub.address}")
    return 0


def _pub_row(p: Any) -> dict:
    return {
        "name": p.name,
        "trading_key": p.packed,
        "ax": str(p.ax),
        "ay": str(p.ay),
        "address": p.address,
        "path": str(p.path),
    }


def keys_list(args: argparse.Namespace) -> int:
    from desk import keystore

    rows = [_pub_row(p) for p in keystore.list_keys(_settings(args).keys_dir.expanduser())]
    return _show(args, rows, rows, ["name", "trading_key", "address"])


def keys_export(args: argparse.Namespace) -> int:
    from desk import keystore

    s = _settings(args)
    row = _pub_row(keystore.public_keys(keystore.key_path(s.keys_dir.expanduser(), args.name)))
    return _show(args, row, [row], ["name", "trading_key", "address"])


# -- venue and reads ---------------------------------------------------------------------------


def venue(args: argparse.Namespace) -> int:
    from desk.client import discover
    from desk.relayer_api import RelayerApi

    s = _settings(args)  # public: no key needed
    v, _ = discover(RelayerApi(s.relayer_url, timeout=s.timeout), s.rpc_url)
    rows = [s.model_dump() for s in v.series]
    if not args.json:
        chain = v.chain
        where = f"chain {chain.chain_id}, Settlement {chain.settlement_address}" if chain else ""
        print(f"{v.underlying} venue, {where}, domain {v.signing.domain}")
    return _show(args, v, rows, ["series_id", "kind", "strike", "expiry", "price_tick", "mark"])


def orders_cmd(args: argparse.Namespace) -> int:
    got = _desk(args).orders(args.status, args.limit)
    cols = ["order_id", "series_id", "side", "price", "qty", "filled_qty", "type", "status"]
    return _show(args, got, [o.model_dump() for o in got], [*cols, "reason"])


def fills_cmd(args: argparse.Namespace) -> int:
    got = _desk(args).fills(args.after, args.limit)
    cols = ["fill_id", "series_id", "side", "price", "qty", "liquidity", "settlement", "batch_id"]
    return _show(args, got, [f.model_dump() for f in got], cols)


def positions_cmd(args: argparse.Namespace) -> int:
    acct = _desk(args).account()
    if not args.json:
        im, mm = acct.initial_margin, acct.maintenance_margin
        print(
            f"account {acct.account_id}: collateral {acct.collateral}, equity {acct.equity}, "
            f"initial margin {im.requirement} ({'ok' if im.ok else 'SHORT'}), maintenance "
            f"{mm.requirement} ({'ok' if mm.ok else 'SHORT'}), open orders {acct.open_orders}"
        )
        for underlying, greeks in acct.greeks.items():
            print(f"{underlying}: " + ", ".join(f"{k} {v:.4g}" for k, v in greeks.items()))
    rows = [p.model_dump() for p in acct.positions]
    return _show(args, acct, rows, ["series_id", "qty", "mark"])


def withdrawals_cmd(args: argparse.Namespace) -> int:
    got = _desk(args).withdrawals()
    cols = ["nonce", "amount", "eth_address", "status", "batch_id", "reason"]
    return _show(args, got, [w.model_dump() for w in got], cols)


# -- actions -----------------------------------------------------------------------------------


def deposit(args: argparse.Namespace) -> int:
    desk = _desk(args)
    acct = desk.deposit(
        _amount(desk, args.amount, args.tokens),  # type: ignore[arg-type]
        wait=not args.no_wait,
        progress=_progress(),
    )
    if acct is not None:
        print(f"credited: account {acct.account_id}, collateral {acct.collateral}")
    return 0


def _legs(desk: Desk, args: argparse.Namespace) -> list:
    from desk import Leg, OrderInputError

    specs = [s.split(":") for s in args.leg]
    if args.side is not None:
        specs.insert(0, [args.side, str(args.series), args.price, args.qty])
    if not specs or any(len(s) != 4 or None in s for s in specs):
        raise OrderInputError("give SIDE SERIES PRICE QTY, or --leg SIDE:SERIES:PRICE:QTY (repeat)")
    legs = []
    for side, series, price, qty in specs:
        p = _amount(desk, price, args.tokens)
        legs.append(Leg(int(series), side, p, _number(qty)))  # type: ignore[arg-type]
    return legs


def order_cmd(args: argparse.Namespace) -> int:
    desk = _desk(args)
    out = desk.order(
        _legs(desk, args), args.type, expiry=args.expiry, client_order_id=args.client_order_id
    )
    if not args.json:
        if out.duplicate:
            print("duplicate: the relayer already had this order; its stored result:")
        for h in out.replaced:
            print(f"replaced resting order {h}")
    rows = [o.model_dump() for o in out.orders]
    cols = ["order_id", "series_id", "side", "price", "qty", "filled_qty", "status", "order_hash"]
    return _show(args, out, rows, cols)


def cancel_cmd(args: argparse.Namespace) -> int:
    o = _desk(args).cancel(args.order_id)
    return _show(args, o, [o.model_dump()], ["order_id", "series_id", "status", "reason"])


def withdraw_cmd(args: argparse.Namespace) -> int:
    desk = _desk(args)
    out = desk.withdraw(_amount(desk, args.amount, args.tokens), args.to)  # type: ignore[arg-type]
    w = out.withdrawal
    if args.wait:
        w = desk.wait_claimable(w.withdrawal_hash, progress=_progress())
    cols = ["nonce", "amount", "eth_address", "status", "batch_id", "withdrawal_hash"]
    return _show(args, w, [w.model_dump()], cols)


def claim_cmd(args: argparse.Namespace) -> int:
    from desk import ChainTxFailed

    desk = _desk(args)
    if args.wait:
        pending = desk.withdrawals(1)
        if not pending:
            raise ChainTxFailed("no withdrawal to wait for: `darkbook desk withdraw AMOUNT` first")
        desk.wait_claimable(pending[0].withdrawal_hash, progress=_progress())
    tx, amount = desk.claim()
    row = {"transaction": tx, "amount": str(amount), "to": desk.keys.public.address}
    return _show(args, row, [row], ["amount", "to", "transaction"])
