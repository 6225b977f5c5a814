"""The audit report as a table for people (``--json`` prints ``Report.to_json``)."""

from __future__ import annotations

from collections import Counter

from relayer.audit.findings import Report


def table(report: Report, limit: int = 40) -> str:
    """Counts by kind, then every leak, then the links (``limit`` rows each)."""
    out = [
        f"Settlement {report.settlement}: blocks {report.from_block}..{report.to_block}, "
        f"{report.transactions} transactions, {report.events} events "
        f"({report.undecoded} not decoded by the ABI, scanned raw)",
        "",
        "  readable in clear            by design   leaks",
    ]
    by_design = Counter(f.kind for f in report.findings if f.expected)
    leaks = Counter(f.kind for f in report.leaks)
    for kind in sorted(set(by_design) | set(leaks)):
        out.append(f"  {kind:<28} {by_design[kind]:>9}   {leaks[kind]:>5}")
    out += ["", f"  leaks (not public by design, docs/privacy.md): {len(report.leaks)}"]
    for f in report.leaks[:limit]:
        fields = ", ".join(f"{k}={v}" for k, v in f.fields.items())
        out.append(f"    {f.where.label():<40} {f.kind:<9} {fields}  ({f.why})")
    links = Counter(link.how for link in report.links)
    out += ["", f"  links between accounts, keys and addresses: {len(report.links)}"]
    for how, n in sorted(links.items()):
        out.append(f"    {n:>5}  {how}")
    for link in report.links[:limit]:
        out.append(f"    {link.a} <-> {link.b}  ({link.how}, {link.where.label()})")
    if len(report.links) > limit:
        out.append(f"    ... {len(report.links) - limit} more (--json lists all)")
    return "\n".join(out)
