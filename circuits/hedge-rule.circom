pragma circom 2.1.0;

include "comparators.circom";
include "margin.circom";
include "range-check-64.circom";
include "scenario-equity.circom";
include "signed-range-64.circom";

/*
 * HedgeRule: a fill under a delta-band hedge mandate is a hedge (docs/CONVENTIONS.md,
 * "Mandates"; the model's prover.statement.hedge).
 * @param P - position slots of the account (bounds its delta: |delta| < 2^equityBits(P))
 * @input enabled - 1 when the fill has a mandate side (boolean, checked by the caller)
 * @input buying - 1 when the mandate buys (its band is above the delta), 0 when it sells
 * @input after - the mandate account's portfolio delta after the fill (MarginDelta)
 * @input change - the fill's change of that delta (+-qty times the hedge series' delta)
 * @input lo, hi - the mandate's signed band; @input perFill - its per-fill limit
 * @input qty - the fill quantity (unsigned 64-bit: Fill)
 * Guarantees (when enabled): lo, hi signed 64-bit, perFill unsigned 64-bit, qty <= perFill;
 * buying boolean; buying: the delta before (after - change) is below lo and the fill raises it
 * to at most hi; selling: it is above hi and the fill lowers it to at least lo.
 */
template HedgeRule(P) {
    signal input enabled;
    signal input buying;
    signal input after;
    signal input change;
    signal input lo;
    signal input hi;
    signal input perFill;
    signal input qty;

    signal loG <== enabled * lo;
    signal hiG <== enabled * hi;
    SignedRange64()(loG);
    SignedRange64()(hiG);
    signal perG <== enabled * perFill;
    RangeCheck64()(perG);
    signal fits <== LessEqThan(64)([qty, perG]);
    enabled * (1 - fits) === 0;

    signal before <== after - change;
    // a buying mandate sits below its band, a selling one above it
    buying * (buying - 1) === 0;
    signal edge <== hiG + buying * (loG - hiG);
    signal far <== loG + buying * (hiG - loG);
    var sgn = 2 * buying - 1;
    signal outside <== sgn * (edge - before);
    signal toward <== sgn * change;
    signal within <== sgn * (far - after);
    // differences of |delta| < 2^equityBits(P) and |band| < 2^63 fit in equityBits(P) + 1 bits
    NonNegative(3, equityBits(P) + 1)(enabled, [outside - 1, toward - 1, within]);
}
