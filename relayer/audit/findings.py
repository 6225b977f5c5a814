"""What the audit reports: readable fields and links between accounts, each with where it was
read and whether docs/privacy.md lists it as public by design."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, slots=True)
class Where:
    """A transaction's input (``log_index`` None) or one event of it."""

    block: int
    tx: str
    log_index: int | None = None
    name: str = ""  # the function or event name the ABI gives it ("" if none decodes)

    def label(self) -> str:
        at = f"tx {self.tx[:10]}" if self.log_index is None else f"log {self.log_index}"
        return f"block {self.block} {at} {self.name}".strip()


@dataclass(frozen=True, slots=True)
class Finding:
    """A value an observer reads in clear. ``kind``: order, trade, position, balance, key,
    address or account; ``fields`` the decoded values by name; ``expected`` True when
    docs/privacy.md lists it as public by design (deposits, withdrawals, requests)."""

    kind: str
    where: Where
    fields: dict[str, int | str]
    expected: bool
    why: str


@dataclass(frozen=True, slots=True)
class Link:
    """Two things the chain ties together (accounts, keys, addresses): ``a`` and ``b`` are
    labels such as ``account:3``, ``key:0x12ab..``, ``address:0xAbc..``."""

    a: str
    b: str
    how: str
    where: Where
    expected: bool


@dataclass
class Report:
    settlement: str
    from_block: int
    to_block: int
    transactions: int = 0
    events: int = 0
    undecoded: int = 0  # inputs or events the ABI did not decode (scanned as raw bytes)
    findings: list[Finding] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    @property
    def leaks(self) -> list[Finding]:
        """Findings docs/privacy.md does not list as public: each one is a bug."""
        return [f for f in self.findings if not f.expected]

    def to_json(self) -> dict:
        out = asdict(self)
        out["leaks"] = len(self.leaks)
        return out
