"""Per-batch witness and prove seconds, read from the service's public ``/metrics``.

``darkbook_settlement_stage_seconds{stage}`` is a histogram: its ``_count`` and ``_sum`` grow by
one observation per batch. The loop proves every batch once, in batch order, so the n-th
observation is batch n's; sampled often (proofs take seconds), each new observation is seen
alone. When several arrive between two samples they share the sum's growth evenly
(``approximate`` lists those batches).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

STAGES = ("witness", "prove")
FAMILY = "darkbook_settlement_stage_seconds"


def stage_totals(text: str) -> dict[str, tuple[int, float]]:
    """``{stage: (count, sum)}`` of the stage histogram in a ``/metrics`` page."""
    out: dict[str, list[float]] = {}
    for fam in text_string_to_metric_families(text):
        if fam.name != FAMILY:
            continue
        for s in fam.samples:
            stage = s.labels.get("stage", "")
            slot = out.setdefault(stage, [0, 0.0])
            if s.name == f"{FAMILY}_count":
                slot[0] = int(s.value)
            elif s.name == f"{FAMILY}_sum":
                slot[1] = s.value
    return {k: (int(v[0]), v[1]) for k, v in out.items()}


@dataclass
class StageTimes:
    """``seconds[stage][batch]``, built from successive ``/metrics`` samples."""

    seconds: dict[str, dict[int, float]] = field(default_factory=lambda: {s: {} for s in STAGES})
    approximate: set[int] = field(default_factory=set)
    _seen: dict[str, tuple[int, float]] = field(default_factory=dict)

    def sample(self, text: str) -> None:
        totals = stage_totals(text)
        for stage in STAGES:
            count, total = totals.get(stage, (0, 0.0))
            c0, t0 = self._seen.get(stage, (0, 0.0))
            if count > c0:
                each = (total - t0) / (count - c0)
                for n in range(c0 + 1, count + 1):
                    self.seconds[stage][n] = each
                    if count - c0 > 1:
                        self.approximate.add(n)
                self._seen[stage] = (count, total)

    def per_batch(self, stage: str) -> float:
        """Mean seconds per batch over the batches seen (0 before any)."""
        got = self.seconds[stage]
        return sum(got.values()) / len(got) if got else 0.0
