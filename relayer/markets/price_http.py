"""A price source from an HTTP JSON feed (GET, the same shape as the price file)."""

from __future__ import annotations

import httpx

from relayer.markets.price_source import PriceSourceError, Quote, quote_from_json


class HttpPrices:
    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.url = url
        self.timeout = timeout

    def quote(self, underlying: str, now: int) -> Quote:
        try:
            r = httpx.get(self.url, params={"underlying": underlying}, timeout=self.timeout)
            r.raise_for_status()
            data = r.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise PriceSourceError(f"price feed {self.url}: {exc}") from None
        return quote_from_json(data, underlying, f"price feed {self.url}")
