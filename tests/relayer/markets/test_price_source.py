"""The oracle keeper's price sources: the reference inputs, a JSON file, an HTTP feed (a real
server on a loopback port); bad input is refused naming the source and what was wrong."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from relayer.markets.price_file import FilePrices
from relayer.markets.price_http import HttpPrices
from relayer.markets.price_reference import REFERENCE_SPOT, ReferencePrices
from relayer.markets.price_source import PriceSourceError, Quote, price_source_from_setting
from relayer.markets.series import default_series
from relayer.markets.snapshot import build_reference_snapshot, build_snapshot

NOW = 1_900_000_000


def test_the_setting_picks_the_source(tmp_path: Path) -> None:
    assert isinstance(price_source_from_setting("reference"), ReferencePrices)
    f = price_source_from_setting(f"file:{tmp_path / 'p.json'}")
    assert isinstance(f, FilePrices) and f.path == tmp_path / "p.json"
    assert isinstance(price_source_from_setting("http://127.0.0.1:1/p"), HttpPrices)
    with pytest.raises(PriceSourceError, match="'reference', 'file:PATH' or an http"):
        price_source_from_setting("bloomberg")


def test_a_price_file_is_read_at_every_call(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    src = FilePrices(path)
    with pytest.raises(PriceSourceError, match="prices.json"):
        src.quote("BTC", NOW)  # no file yet
    path.write_text(json.dumps({"spot": 61_000, "vol": 0.55}))
    assert src.quote("BTC", NOW) == Quote(61_000.0, 0.55)
    path.write_text(json.dumps({"BTC": {"spot": 64_000, "vol": 0.6}, "ETH": {"spot": 1, "vol": 1}}))
    assert src.quote("BTC", NOW) == Quote(64_000.0, 0.6)
    path.write_text(json.dumps({"spot": -5, "vol": 0.6}))
    with pytest.raises(PriceSourceError, match="spot must be a positive number"):
        src.quote("BTC", NOW)
    path.write_text(json.dumps({"price": 1}))
    with pytest.raises(PriceSourceError, match="expected"):
        src.quote("BTC", NOW)


@pytest.fixture
def feed() -> Iterator[tuple[str, dict]]:
    """A JSON feed on a loopback port serving whatever ``body`` holds."""
    state: dict = {"body": {"BTC": {"spot": 58_000, "vol": 0.7}}, "seen": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state["seen"].append(self.path)
            data = json.dumps(state["body"]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/prices", state
    finally:
        server.shutdown()
        server.server_close()


def test_an_http_feed(feed: tuple[str, dict]) -> None:
    url, state = feed
    src = HttpPrices(url)
    assert src.quote("BTC", NOW) == Quote(58_000.0, 0.7)
    assert state["seen"] == ["/prices?underlying=BTC"]
    state["body"] = {"ETH": {"spot": 3_000, "vol": 0.7}}
    with pytest.raises(PriceSourceError, match=f"price feed {url}: expected"):
        src.quote("BTC", NOW)
    with pytest.raises(PriceSourceError, match="price feed http://127.0.0.1:1/"):
        HttpPrices("http://127.0.0.1:1/", timeout=2).quote("BTC", NOW)  # nothing listens


def test_a_quote_moves_the_table_and_the_reference_is_the_default() -> None:
    series = [s for s in default_series(NOW) if s.id in (103, 109)]
    ref = build_reference_snapshot(series, NOW, 1)
    assert ref == build_snapshot(series, NOW, 1, Quote(REFERENCE_SPOT["BTC"], 0.6))
    up = build_snapshot(series, NOW, 2, Quote(66_000.0, 0.6))
    assert up.marks[103] > ref.marks[103] and up.marks[109] > ref.marks[109]
    expiry = series[0].expiry
    settled = build_snapshot(series, expiry, 3, Quote(70_000.0, 0.6), settlement_prices={})
    assert settled.table.row(103).status == 1
    fixed = build_snapshot(
        series, expiry + 60, 4, Quote(80_000.0, 0.6), settlement_prices={expiry: 70_000.0}
    )
    assert fixed.table.row(103).settlement == settled.table.row(103).settlement > 0
