pragma circom 2.1.0;

include "margin.circom";
include "scenario-equity.circom";

/*
 * MarginDelta: Margin, and the account's portfolio delta under the table's delta column
 *   delta = sum over positions of qty * deltas[series]
 * from the same matrix product (the deltas are one more column: M constraints).
 * @param P - position slots; @param M - table rows; @param S - scenarios
 * @input enabled, collateral, series[P], qty[P], ids[M], V[M][S] - as Margin
 * @input deltas[M] - the table's signed deltas per long contract
 * @output delta - field value of the integer delta (|delta| < 2^equityBits(P))
 * Guarantees: Margin's, when enabled; delta is the sum above whenever every non-empty
 * position's series is listed once (always, when enabled).
 * NOTE: trusts the oracle for |delta| < 2^63 (bound by the market hash), as for V.
 */
template MarginDelta(P, M, S) {
    signal input enabled;
    signal input collateral;
    signal input series[P];
    signal input qty[P];
    signal input ids[M];
    signal input V[M][S];
    signal input deltas[M];
    signal output delta;

    var W[M][S + 1];
    for (var j = 0; j < M; j++) {
        for (var s = 0; s < S; s++) {
            W[j][s] = V[j][s];
        }
        W[j][S] = deltas[j];
    }
    signal equity[S + 1] <== ScenarioEquity(P, M, S + 1)(enabled, collateral, series, qty, ids, W);
    var scenarios[S];
    for (var s = 0; s < S; s++) {
        scenarios[s] = equity[s];
    }
    NonNegative(S, equityBits(P))(enabled, scenarios);
    delta <== equity[S] - collateral;
}
