"""Prometheus metrics: counts and latencies only, labelled by route template and outcome.
No label or value ever carries an account, an order price or size (privacy)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "darkbook_http_requests_total",
            "HTTP requests",
            ["route", "method", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "darkbook_http_request_seconds",
            "HTTP latency",
            ["route"],
            registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self.orders = Counter(
            "darkbook_orders_total", "order submissions by result", ["result"], registry=r
        )
        self.fills = Counter("darkbook_fills_total", "fills", registry=r)
        self.open_orders = Gauge(
            "darkbook_open_orders", "resting orders (all accounts)", registry=r
        )
        self.events = Gauge("darkbook_events", "commands in the order log", registry=r)
        self.group = Histogram(
            "darkbook_commit_group_commands",
            "commands stored per transaction (group commit)",
            registry=r,
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
        )
