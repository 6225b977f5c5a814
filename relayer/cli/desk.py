"""`darkbook desk ...`: a trading desk's commands, a thin shell over the desk SDK (desk/).

Keys live in encrypted keystores (`keys new|list|export`); `deposit` and `claim` go on-chain;
`order`, `cancel`, `cancel-all` and `withdraw` are signed and sent to the relayer (`cancel
--onchain` and `withdraw --forced` go to Settlement instead, no operator needed); `recover`
rebuilds the account from chain events and compares; `exit` proves and claims the exit; `venue`,
`orders`, `lookup`, `fills`, `positions`, `what-if` and `withdrawals` read, as a table or with
`--json`; `watch` prints the private stream (one JSON object a line with `--json`). Settings
come from flags, `DARKBOOK_DESK_*` environment variables or a config file (desk/settings.py); the
passphrase from `DARKBOOK_DESK_PASSPHRASE`, `--passphrase-file`, or a prompt.
"""

from __future__ import annotations

import argparse
import contextlib
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
    p.add_argument("--account-id", type=int, help="else looked up by the trading key")
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
    order.add_argument(
        "--trigger",
        action="append",
        default=[],
        help="SERIES:LEVEL:above|below (or none), one per leg in order: held armed until a "
        "registered table marks SERIES at or above/below LEVEL",
    )
    order.add_argument(
        "--oco",
        action="store_true",
        help="two legs, one-cancels-other: one order id and qty, the first to fire or fill "
        "cancels the other",
    )

    mandate = _add(dsub, "mandate", mandate_cmd, "keep your delta in a band with a future", True)
    mandate.add_argument("series", type=int, help="the future to hedge with")
    mandate.add_argument("lo", type=int, help="band low: delta in millionths of the underlying")
    mandate.add_argument("hi", type=int, help="band high (the series list shows each delta)")
    mandate.add_argument("--per-fill", type=int, default=1, help="contracts per hedge fill")
    mandate.add_argument("--total", type=int, default=10, help="contracts over all hedges")
    mandate.add_argument(
        "--slippage", type=int, default=0, help="base units per contract worse than the mark"
    )
    mandate.add_argument("--expiry", type=int, help="unix seconds (default: in 24 h)")
    _add(dsub, "mandates", mandates_cmd, "your hedge mandates and their hedges", read=True)

    cancel = _add(dsub, "cancel", cancel_cmd, "cancel an order by its order id", read=True)
    cancel.add_argument("order_id", type=int)
    cancel.add_argument(
        "--onchain", action="store_true", help="Settlement.requestCancel: a batch must serve it"
    )
    cancel.add_argument("--no-wait", action="store_true", help="--onchain: do not follow it")
    call = _add(dsub, "cancel-all", cancel_all_cmd, "cancel every resting order", read=True)
    call.add_argument("--series", type=int, help="only this series' orders")

    what = _add(dsub, "what-if", what_if_cmd, "margin before and after an order", read=True)
    what.add_argument("side", nargs="?", choices=["buy", "sell"])
    what.add_argument("series", nargs="?", type=int)
    what.add_argument("price", nargs="?", help="base units per contract (--tokens: tokens)")
    what.add_argument("qty", nargs="?", help="contracts")
    what.add_argument("--leg", action="append", default=[], help="SIDE:SERIES:PRICE:QTY, repeat")
    what.add_argument("--tokens", action="store_true", help="prices are in whole tokens")

    look = _add(dsub, "lookup", lookup_cmd, "your orders by client order id", read=True)
    look.add_argument("client_order_id")

    watch = _add(dsub, "watch", watch_cmd, "your orders, fills, balance as they happen", True)
    watch.add_argument(
        "--cancel-on-disconnect",
        action="store_true",
        help="the relayer cancels your resting orders when this stream closes",
    )
    watch.add_argument(
        "--count", type=int, help="stop after this many events (not counting the first, subscribed)"
    )

    orders = _add(dsub, "orders", orders_cmd, "your orders, newest first", read=True)
    orders.add_argument("--status", choices=["open", "filled", "cancelled", "expired"])
    orders.add_argument("--limit", type=int, default=100)
    fills = _add(dsub, "fills", fills_cmd, "your fills, oldest first", read=True)
    fills.add_argument("--after", type=int, default=0, help="fill id to start after")
    fills.add_argument("--limit", type=int, default=100)
    _add(dsub, "positions", positions_cmd, "collateral, positions, margin, Greeks", read=True)
    _add(dsub, "withdrawals", withdrawals_cmd, "your withdrawals and their status", read=True)

    wd = _add(dsub, "withdraw", withdraw_cmd, "withdraw collateral (claim once settled)", read=True)
    wd.add_argument("amount", nargs="?", help="base units (or tokens with --tokens)")
    wd.add_argument("--to", help="Ethereum address (default: the keystore's)")
    wd.add_argument("--tokens", action="store_true", help="the amount is in whole tokens")
    wd.add_argument("--wait", action="store_true", help="wait until it is claimable")
    wd.add_argument(
        "--forced",
        action="store_true",
        help="Settlement.requestWithdrawal (no operator needed; pays the keystore's address)",
    )
    wd.add_argument("--all", action="store_true", help="--forced: everything margin leaves free")

    _add(dsub, "recover", recover_cmd, "rebuild your account from chain events; compare", True)
    ex = _add(dsub, "exit", exit_cmd, "exit mode: prove your exit from chain data and claim", True)
    ex.add_argument(
        "--market-table",
        type=Path,
        help="the oracle's exit market table (JSON; its hash is Settlement.exitMarketHash); "
        "default: the table the oracle published on-chain",
    )

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
    cols = ["series_id", "kind", "strike", "expiry", "price_tick", "mark", "delta"]
    return _show(args, v, rows, cols)  # delta: what a mandate's band is in (millionths)


def orders_cmd(args: argparse.Namespace) -> int:
    got = _desk(args).orders(args.status, args.limit)
    return _show(args, got, [o.model_dump() for o in got], [*ORDER_COLUMNS, "reason"])


def fills_cmd(args: argparse.Namespace) -> int:
    got = _desk(args).fills(args.after, args.limit)
    return _show(args, got, [f.model_dump() for f in got], FILL_COLUMNS)


FILL_COLUMNS = [
    "fill_id",
    "timestamp",
    "series_id",
    "side",
    "price",
    "qty",
    "fee",
    "liquidity",
    "settlement",
    "batch_id",
]
ORDER_COLUMNS = ["order_id", "series_id", "side", "price", "qty", "filled_qty", "type", "status"]


def lookup_cmd(args: argparse.Namespace) -> int:
    got = _desk(args).order_by_client_id(args.client_order_id)
    if args.json:
        return _show(args, got, [], [])
    print(_table([o.model_dump() for o in got.orders], [*ORDER_COLUMNS, "reason"]))
    print(_table([f.model_dump() for f in got.fills], FILL_COLUMNS))
    return 0


def what_if_cmd(args: argparse.Namespace) -> int:
    desk = _desk(args)
    got = desk.what_if(_legs(desk, args))
    if args.json:
        return _show(args, got, [], [])
    verdict = "accepted" if got.accepted else f"refused: {got.refusal}"
    print(f"market epoch {got.market_epoch}: the relayer's margin check says {verdict}")
    rows = []
    for when, p in (("before", got.before), ("after", got.after)):
        for rule, lvl in (("initial", p.initial_margin), ("maintenance", p.maintenance_margin)):
            rows.append(
                {
                    "when": when,
                    "rule": rule,
                    "collateral": p.collateral,
                    "equity": p.equity,
                    "requirement": lvl.requirement,
                    "worst": f"{lvl.worst_equity} (s{lvl.worst_scenario})",
                    "ok": "ok" if lvl.ok else "SHORT",
                    "per scenario": " ".join(lvl.scenario_equities),
                }
            )
    cols = ["when", "rule", "collateral", "equity", "requirement", "worst", "ok", "per scenario"]
    print(_table(rows, cols))
    return 0


def watch_cmd(args: argparse.Namespace) -> int:
    desk = _desk(args)
    seen = [0]

    def show(ev: Any) -> bool:
        if args.json:
            print(json.dumps(ev.message()), flush=True)
        else:
            print(_event_line(ev), flush=True)
        if ev.type != "subscribed":
            seen[0] += 1
        return args.count is None or seen[0] < args.count

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends watching, quietly
        desk.watch(show, cancel_on_disconnect=args.cancel_on_disconnect)
    return 0


def _event_line(ev: Any) -> str:
    if ev.type == "order":
        o = ev.order
        return (
            f"#{ev.n} order {o.order_id} {o.side} {o.qty} x {o.series_id} @ {o.price}: "
            f"{o.status}, filled {o.filled_qty}" + (f" ({o.reason})" if o.reason else "")
        )
    if ev.type == "fill":
        f = ev.fill
        return (
            f"#{ev.n} fill {f.fill_id} {f.side} {f.qty} x {f.series_id} @ {f.price}, fee "
            f"{f.fee} ({f.liquidity})"
        )
    b = ev.balance
    held = ", ".join(f"{p.series_id}: {p.qty}" for p in b.positions) if b else ""
    what = "subscribed" if ev.type == "subscribed" else "balance"
    return f"#{ev.n} {what}: collateral {b.collateral if b else '-'}; positions {held or 'none'}"


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
    got = _desk(args).withdrawals()  # signed ones and forced (on-chain) ones
    cols = ["kind", "nonce", "queue_index", "amount", "status", "batch_id", "paid", "deadline"]
    cols += ["reason"]
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


def _triggers(desk: Desk, args: argparse.Namespace) -> list:
    """``--trigger`` values: a Trigger or None each."""
    from desk import OrderInputError, Trigger

    out = []
    for text in args.trigger:
        if text == "none":
            out.append(None)
            continue
        parts = text.split(":")
        if len(parts) != 3 or parts[2] not in ("above", "below"):
            raise OrderInputError(f"--trigger {text!r}: give SERIES:LEVEL:above|below or none")
        level = _amount(desk, parts[1], args.tokens)
        out.append(Trigger(int(parts[0]), level, parts[2]))  # type: ignore[arg-type]
    return out


def order_cmd(args: argparse.Namespace) -> int:
    from desk import OrderInputError

    desk = _desk(args)
    legs, triggers = _legs(desk, args), _triggers(desk, args)
    kw = {"expiry": args.expiry, "client_order_id": args.client_order_id}
    if args.oco:
        if len(triggers) != len(legs):
            raise OrderInputError("--oco: give one --trigger per leg (none for a plain one)")
        out = desk.oco(list(zip(legs, triggers, strict=True)), args.type, **kw)
    elif len(triggers) > 1:
        raise OrderInputError("one --trigger per order (several only with --oco)")
    else:
        out = desk.order(legs, args.type, trigger=triggers[0] if triggers else None, **kw)
    if not args.json:
        if out.duplicate:
            print("duplicate: the relayer already had this order; its stored result:")
        for h in out.replaced:
            print(f"replaced resting order {h}")
    rows = [o.model_dump() for o in out.orders]
    cols = ["order_id", "series_id", "side", "price", "qty", "filled_qty", "status", "order_hash"]
    return _show(args, out, rows, cols)


MANDATE_COLUMNS = ["order_id", "series_id", "band_lo", "band_hi", "filled_qty", "status", "hedges"]


def _mandate_row(m: Any) -> dict:
    return {**m.model_dump(), "hedges": len(m.hedges)}


def mandate_cmd(args: argparse.Namespace) -> int:
    from desk.mandates import HedgeBand

    band = HedgeBand(args.series, args.lo, args.hi, args.per_fill, args.total, args.slippage)
    m = _desk(args).mandate(band, expiry=args.expiry)
    return _show(args, m, [_mandate_row(m)], MANDATE_COLUMNS)


def mandates_cmd(args: argparse.Namespace) -> int:
    got = _desk(args).mandates()
    return _show(args, got, [_mandate_row(m) for m in got], MANDATE_COLUMNS)


def _request_row(r: Any) -> dict:
    return {k: ("-" if v is None else v) for k, v in r.as_dict().items()}


REQUEST_COLUMNS = ["kind", "index", "account_id", "value", "deadline", "served_batch", "paid"]


def cancel_cmd(args: argparse.Namespace) -> int:
    if args.onchain:
        r = _desk(args).request_cancel(args.order_id, wait=not args.no_wait, progress=_progress())
        return _show(args, r.as_dict(), [_request_row(r)], REQUEST_COLUMNS)
    o = _desk(args).cancel(args.order_id)
    return _show(args, o, [o.model_dump()], ["order_id", "series_id", "status", "reason"])


def cancel_all_cmd(args: argparse.Namespace) -> int:
    out = _desk(args).cancel_all(args.series)
    rows = [o.model_dump() for o in out.cancelled]
    return _show(args, out, rows, ["order_id", "series_id", "side", "status", "reason"])


def forced_withdraw(args: argparse.Namespace) -> int:
    from desk import OrderInputError

    if args.to:
        raise OrderInputError("--forced pays the key's owner (the keystore's address): drop --to")
    desk = _desk(args)
    amount = None if args.all else _amount(desk, args.amount, args.tokens)
    r = desk.request_withdrawal(
        amount,  # type: ignore[arg-type]
        everything=args.all,
        wait=args.wait,
        progress=_progress(),
    )
    return _show(args, r.as_dict(), [_request_row(r)], REQUEST_COLUMNS)


def withdraw_cmd(args: argparse.Namespace) -> int:
    from desk import OrderInputError

    if (args.amount is None) == (not args.all):
        raise OrderInputError("give an AMOUNT, or --forced --all (not both)")
    if args.all and not args.forced:
        raise OrderInputError("--all is for --forced withdrawals: add --forced")
    if args.forced:
        return forced_withdraw(args)
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
        pending = [w for w in desk.withdrawals(100) if w.withdrawal_hash is not None][:1]
        if not pending:
            raise ChainTxFailed("no withdrawal to wait for: `darkbook desk withdraw AMOUNT` first")
        desk.wait_claimable(pending[0].withdrawal_hash, progress=_progress())
    tx, amount = desk.claim()
    row = {"transaction": tx, "amount": str(amount), "to": desk.keys.public.address}
    return _show(args, row, [row], ["amount", "to", "transaction"])


def recover_cmd(args: argparse.Namespace) -> int:
    got = _desk(args).recover().as_dict()
    if args.json:
        print(json.dumps(got, indent=2))
        return 0
    print(
        f"account {got['account_id']} as the chain proves it (batch {got['batch']}, root "
        f"{got['root']}): collateral {got['collateral']}"
    )
    print(_table(got["positions"], ["series_id", "qty"]))
    if not got["relayer_reachable"]:
        print("the relayer did not answer: nothing to compare with")
    elif got["agrees"]:
        print("the relayer agrees")
    else:
        print("the relayer DIFFERS:\n" + "\n".join(f"  {d}" for d in got["differences"]))
    return 0


def exit_cmd(args: argparse.Namespace) -> int:
    from desk import DeskError
    from prover.statement.market import MarketTable

    table = None
    try:
        if args.market_table is not None:
            table = MarketTable.from_json(json.loads(args.market_table.read_text()))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DeskError(f"market table {args.market_table}: {exc}") from None
    p = _desk(args).exit(table, progress=_progress())
    row = {
        "account_id": p.account_id,
        "proven": str(p.proven),
        "paid": str(p.paid),
        "exit_transaction": p.exit_transaction,
        "claim_transaction": p.claim_transaction,
    }
    return _show(args, row, [row], ["account_id", "proven", "paid", "exit_transaction"])
