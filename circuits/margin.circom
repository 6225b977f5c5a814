pragma circom 2.1.0;

include "bitify.circom";
include "scenario-equity.circom";

/*
 * Margin: the linear portfolio rule, for every scenario s:
 *   collateral + sum over positions of qty * V[series][s] >= 0
 * (ScenarioEquity computes the sums in matrix form).
 * @param P - position slots; @param M - table rows; @param S - scenarios
 * @input enabled - 1 to enforce, 0 for a no-op batch slot (boolean, checked by the caller)
 * @input collateral - unsigned 64-bit collateral (after the operation)
 * @input series[P], qty[P] - the account's positions (qty signed 64-bit)
 * @input ids[M] - the table's series ids (0 = padding row)
 * @input V[M][S] - the table's signed scenario values (initial or maintenance row)
 * Guarantees (when enabled): every non-empty position's series is in the table exactly once;
 * each scenario equity is in [0, 2^B) as an integer, B = equityBits(P), i.e. >= 0 (no
 * wrap-around: its absolute value is below 2^B because |qty|, |V| < 2^63, collateral < 2^64).
 * NOTE: trusts the oracle for the table's ranges (|V| < 2^63) and distinct ids; both are bound
 * by the market hash, not checked here.
 */
template Margin(P, M, S) {
    signal input enabled;
    signal input collateral;
    signal input series[P];
    signal input qty[P];
    signal input ids[M];
    signal input V[M][S];

    signal equity[S] <== ScenarioEquity(P, M, S)(enabled, collateral, series, qty, ids, V);
    NonNegative(S, equityBits(P))(enabled, equity);
}

/*
 * NonNegative: every value, an integer with |v| < 2^B, is >= 0.
 * @param N - values; @param B - bits (|v| < 2^B)
 * @input enabled - 1 to enforce (boolean, checked by the caller)
 * @input v[N] - field values of integers with |v| < 2^B
 * Guarantees (when enabled): each v is in [0, 2^B) (a negative one is near p).
 */
template NonNegative(N, B) {
    signal input enabled;
    signal input v[N];

    signal gated[N];
    for (var i = 0; i < N; i++) {
        gated[i] <== enabled * v[i];
        _ <== Num2Bits(B)(gated[i]);
    }
}
