pragma circom 2.1.0;

include "bitify.circom";
include "scenario-equity.circom";

/*
 * ExitEquity: what an exiting account is owed, max(0, collateral + sum_slots qty * mark[series])
 * (docs/circuits.md, "Exit"). The marks are valued with the batch's ScenarioEquity taken at one
 * scenario whose values are the marks, so a series is found in the table as in the margin rule.
 * An expired row's mark is its settlement value (docs/risk.md), so expired series count too.
 * @param P - position slots; @param M - table rows
 * @input collateral - the leaf's unsigned 64-bit collateral
 * @input series[P], qty[P] - the leaf's positions (qty signed 64-bit, v mod p)
 * @input ids[M], mark[M] - the table's series ids and signed marks
 * @output amount - the equity floored at 0, an integer in [0, 2^B), B = equityBits(P)
 * Guarantees: every non-empty position's series is in the table exactly once (else no
 * witness); amount = equity if equity >= 0, else 0 (the sign from a (B + 1)-bit decomposition
 * of equity + 2^B: |equity| < 2^B since |qty|, |mark| < 2^63, collateral < 2^64).
 * NOTE: takes the leaf's ranges from the tree (range-checked when written) and the marks'
 * from the oracle (bound by the market hash).
 */
template ExitEquity(P, M) {
    signal input collateral;
    signal input series[P];
    signal input qty[P];
    signal input ids[M];
    signal input mark[M];
    signal output amount;

    signal V[M][1];
    for (var j = 0; j < M; j++) {
        V[j][0] <== mark[j];
    }
    signal equity[1] <== ScenarioEquity(P, M, 1)(1, collateral, series, qty, ids, V);
    var B = equityBits(P);
    signal bits[B + 1] <== Num2Bits(B + 1)(equity[0] + (1 << B));
    amount <== bits[B] * equity[0];  // bit B set <=> equity >= 0
}
