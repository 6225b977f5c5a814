pragma circom 2.1.0;

include "bitify.circom";
include "comparators.circom";

/*
 * Margin: the linear portfolio rule, as a matrix product (DESIGN.md, "Constraint budget").
 *   for every scenario s:  collateral + sum_j Q[j] * V[j][s] >= 0,
 *   Q[j] = sum of the account's quantities in series ids[j] (one-hot selection, P x M),
 * so the account's rows are chosen inside the circuit from the table bound by the market hash.
 * @param P - position slots; @param M - table series; @param S - scenarios
 * @input enabled - 1 to enforce, 0 for a no-op batch slot (boolean, checked by the caller)
 * @input collateral - unsigned 64-bit collateral (after the operation)
 * @input series[P], qty[P] - the account's positions (qty signed 64-bit)
 * @input ids[M] - the table's series ids (0 = padding row)
 * @input V[M][S] - the table's signed scenario values (initial or maintenance row)
 * Guarantees (when enabled): every non-empty position's series is in the table exactly once;
 * each scenario sum is in [0, 2^130) as an integer (no wrap-around: |sum| < 2^130 because
 * |qty|, |V| < 2^63, P <= 8 and collateral < 2^64).
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

    assert(P <= 8);
    signal sel[P][M];
    signal part[P][M];
    for (var i = 0; i < P; i++) {
        var counted = 0;
        for (var j = 0; j < M; j++) {
            sel[i][j] <== IsEqual()([series[i], ids[j]]);
            part[i][j] <== sel[i][j] * qty[i];
            counted += part[i][j];
        }
        // the quantity is counted exactly once: a position whose series is missing (or listed
        // twice) would be valued wrongly
        enabled * (qty[i] - counted) === 0;
    }
    signal Q[M];
    for (var j = 0; j < M; j++) {
        var sum = 0;
        for (var i = 0; i < P; i++) {
            sum += part[i][j];
        }
        Q[j] <== sum;
    }
    signal term[S][M];
    signal gated[S];
    component nonNeg[S];
    for (var s = 0; s < S; s++) {
        var total = collateral;
        for (var j = 0; j < M; j++) {
            term[s][j] <== Q[j] * V[j][s];
            total += term[s][j];
        }
        gated[s] <== enabled * total;
        nonNeg[s] = Num2Bits(130);
        nonNeg[s].in <== gated[s];
    }
}
