pragma circom 2.1.0;

include "bitify.circom";
include "scenario-equity.circom";

/*
 * FreeCollateral: how much an account may take out and still pass the initial margin rule
 * (issue 19, forced withdrawals; prover/statement/margin.py free_collateral):
 *   free = max(0, min(collateral, min over s of equity[s]))
 *   equity[s] = collateral + sum over positions of qty * V[series][s]   (ScenarioEquity)
 * The prover names the minimum among the S + 1 candidates (minSel, one-hot); the template
 * checks that it is below or equal to every candidate, so it is the minimum.
 * @param P - position slots; @param M - table rows; @param S - scenarios
 * @input enabled - 1 to compute, 0 for a slot that takes nothing (boolean, checked by caller)
 * @input collateral - unsigned 64-bit
 * @input series[P], qty[P] - the account's positions (qty signed 64-bit)
 * @input ids[M], V[M][S] - the table's series ids and initial-margin rows
 * @input minSel[S + 1] - one-hot: 0 = collateral is the minimum, 1 + s = equity[s]
 * @output free - unsigned 64-bit, 0 when disabled
 * Guarantees (when enabled): every position is priced (ScenarioEquity); free is exactly the
 * formula above, so collateral - free passes the initial rule whenever free > 0, and free = 0
 * exactly when some equity is <= 0 (or the collateral is 0).
 * NOTE: trusts the oracle for |V| < 2^63 (docs/risk.md): every candidate is then below 2^B,
 * B = equityBits(P), in absolute value, so the (B + 1)-bit comparisons cannot wrap.
 */
template FreeCollateral(P, M, S) {
    signal input enabled;
    signal input collateral;
    signal input series[P];
    signal input qty[P];
    signal input ids[M];
    signal input V[M][S];
    signal input minSel[S + 1];
    signal output free;

    signal equity[S] <== ScenarioEquity(P, M, S)(enabled, collateral, series, qty, ids, V);
    signal cand[S + 1];
    cand[0] <== collateral;
    for (var s = 0; s < S; s++) {
        cand[1 + s] <== equity[s];
    }
    var one = 0;
    signal pick[S + 1];
    var m = 0;
    for (var i = 0; i <= S; i++) {
        minSel[i] * (minSel[i] - 1) === 0;
        one += minSel[i];
        pick[i] <== minSel[i] * cand[i];
        m += pick[i];
    }
    one === 1;
    signal low <== enabled * m;
    var B = equityBits(P);
    // the named candidate is at or below every other one (differences in [0, 2^(B + 1)))
    signal gap[S + 1];
    component above[S + 1];
    for (var i = 0; i <= S; i++) {
        gap[i] <== enabled * (cand[i] - m);
        above[i] = Num2Bits(B + 1);
        above[i].in <== gap[i];
    }
    // its sign: low + 2^B is in (0, 2^(B + 1)); bit B is set iff low >= 0
    signal sign[B + 1] <== Num2Bits(B + 1)(low + (1 << B));
    free <== sign[B] * low;
}
