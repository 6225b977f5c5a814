"""Prometheus metrics, in two registries (docs/privacy.md):

- ``registry``, served publicly at ``/metrics``: only what the chain shows anyway or what says
  nothing about order flow: settlement stage timings per batch (seal, witness, prove, submit),
  gas per confirmed batch, seconds since the last confirmed batch, the on-chain queue depth,
  passes failed in a row, exit mode, settlement transactions replaced;
- ``operator_registry``, served with it at ``/operator/metrics`` behind the operator's bearer
  token: request counts and latencies per route, orders by result, fills, resting orders, stored
  commands, commit groups, fills waiting and per batch, keep-alive batches, refused fills and
  keeper actions (each a real-time view of order flow).

No label or value ever carries an account, a series, an order price or size, and every label
takes a bounded set of values: the route template (or ``unmatched``), an HTTP method of
``METHODS`` (anything else is ``other``), the status code, a fixed outcome or stage name."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
STAGES = ("seal", "witness", "prove", "submit", "confirm")
# the loop's keeper observations -> the keeper label (a fixed set: labels stay bounded)
KEEPERS = {
    "liquidations": "liquidation",
    "expiry_settlements": "expiry",
    "market_tables": "oracle",
}


def method_label(method: str) -> str:
    """The request's method as a label value: one of ``METHODS``, else ``other``."""
    return method if method in METHODS else "other"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()  # public
        self.operator_registry = CollectorRegistry()  # behind the operator's token
        r, op = self.registry, self.operator_registry
        self.requests = Counter(
            "darkbook_http_requests_total",
            "HTTP requests",
            ["route", "method", "status"],
            registry=op,
        )
        self.latency = Histogram(
            "darkbook_http_request_seconds",
            "HTTP latency",
            ["route"],
            registry=op,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self.orders = Counter(
            "darkbook_orders_total", "order submissions by result", ["result"], registry=op
        )
        self.fills = Counter("darkbook_fills_total", "fills", registry=op)
        self.open_orders = Gauge(
            "darkbook_open_orders", "resting orders (all accounts)", registry=op
        )
        self.events = Gauge("darkbook_events", "commands in the order log", registry=op)
        self.group = Histogram(
            "darkbook_commit_group_commands",
            "commands stored per transaction (group commit)",
            registry=op,
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
        )
        self.since_confirmed = Gauge(
            "darkbook_seconds_since_last_confirmed_batch",
            "seconds since the settlement loop's last confirmed batch (since it started, before)",
            registry=r,
        )
        self.queue_depth = Gauge(
            "darkbook_settlement_queue_depth",
            "on-chain queue entries (deposits, exit requests) no batch consumed yet",
            registry=r,
        )
        self.pending_fills = Gauge(
            "darkbook_settlement_pending_fills", "fills waiting for a batch", registry=op
        )
        self.pass_failures = Gauge(
            "darkbook_settlement_failures", "settlement passes failed in a row", registry=r
        )
        self.exit_mode = Gauge(
            "darkbook_exit_mode", "1 once the contract's exit mode is due or entered", registry=r
        )
        self.batch_fills = Histogram(
            "darkbook_batch_fills",
            "fills per sealed batch",
            registry=op,
            buckets=(0, 1, 2, 4, 8, 16, 32, 64, 128),
        )
        self.batch_gas = Histogram(
            "darkbook_batch_gas",
            "gas used per confirmed batch",
            registry=r,
            buckets=(2e5, 3e5, 4e5, 5e5, 7.5e5, 1e6, 1.5e6, 2e6, 3e6, 5e6),
        )
        self.stage_seconds = Histogram(
            "darkbook_settlement_stage_seconds",
            "seconds per batch in each settlement stage",
            ["stage"],
            registry=r,
            buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160, 320),
        )
        self.keepalives = Counter(
            "darkbook_keepalive_batches_total",
            "empty batches sent to keep the contract live",
            registry=op,
        )
        self.refused_fills = Counter(
            "darkbook_fills_refused_total",
            "fills the batch model refused for good (never proven)",
            registry=op,
        )
        self.keeper_ops = Counter(  # one counter per keeper, no label made from a name
            "darkbook_keeper_actions_total",
            "liquidations and expiry settlements sealed, market tables registered",
            ["keeper"],
            registry=op,
        )
        self.tx_replaced = Counter(
            "darkbook_settlement_tx_replaced_total",
            "settlement transactions replaced at their nonce with higher fees (stuck)",
            registry=r,  # operational, public: says nothing about order flow
        )

    def observe_settlement(self, name: str, value: float) -> None:
        """The settlement loop's observations (``relayer.settlement.loop.Observe``)."""
        if name.endswith("_seconds") and name.removesuffix("_seconds") in STAGES:
            self.stage_seconds.labels(name.removesuffix("_seconds")).observe(value)
        elif name == "batch_fills":
            self.batch_fills.observe(value)
        elif name == "batch_gas":
            self.batch_gas.observe(value)
        elif name == "keepalive":
            self.keepalives.inc(value)
        elif name == "refused_fills":
            self.refused_fills.inc(value)
        elif name in KEEPERS:
            self.keeper_ops.labels(KEEPERS[name]).inc(value)
        elif name == "tx_replaced":
            self.tx_replaced.inc(value)
