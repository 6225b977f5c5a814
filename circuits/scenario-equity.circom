pragma circom 2.1.0;

include "comparators.circom";

/*
 * equityBits(P): B with |equity| < 2^B for P position slots, since |qty|, |V| < 2^63 and
 * collateral < 2^64: P * 2^126 + 2^64 < 2^(127 + log2(cap)), cap = the power of two >= max(P, 8).
 * 130 for P <= 8, 131 for P <= 16, 132 for P <= 32.
 */
function equityBits(P) {
    var bits = 130;
    var cap = 8;
    while (cap < P) {
        cap *= 2;
        bits++;
    }
    return bits;
}

/*
 * ScenarioEquity: an account's equity under each scenario, as a matrix product
 * (DESIGN.md, "Constraint budget"):
 *   Q[j] = sum of the account's quantities in series ids[j] (one-hot selection, P x M)
 *   equity[s] = collateral + sum_j Q[j] * V[j][s]              (M x S products)
 * so the account's rows are chosen inside the circuit from the table bound by the market hash.
 * @param P - position slots; @param M - table rows; @param S - scenarios
 * @input enabled - 1 to require every position to be priced (boolean, checked by the caller)
 * @input collateral - the account's collateral
 * @input series[P], qty[P] - its positions (qty signed 64-bit)
 * @input ids[M] - the table's series ids (0 = padding row)
 * @input V[M][S] - signed scenario values (initial or maintenance rows)
 * @output equity[S] - the field values of the integer equities (|equity| < 2^equityBits(P))
 * Guarantees (when enabled): every slot's quantity is counted exactly once, so a non-empty
 * position whose series is missing from the table (or listed twice) is refused.
 * NOTE: trusts the oracle for |V| < 2^63 and distinct ids (bound by the market hash).
 */
template ScenarioEquity(P, M, S) {
    signal input enabled;
    signal input collateral;
    signal input series[P];
    signal input qty[P];
    signal input ids[M];
    signal input V[M][S];
    signal output equity[S];

    assert(P <= 32);
    signal sel[P][M];
    signal part[P][M];
    for (var i = 0; i < P; i++) {
        var counted = 0;
        for (var j = 0; j < M; j++) {
            sel[i][j] <== IsEqual()([series[i], ids[j]]);
            part[i][j] <== sel[i][j] * qty[i];
            counted += part[i][j];
        }
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
    for (var s = 0; s < S; s++) {
        var total = collateral;
        for (var j = 0; j < M; j++) {
            term[s][j] <== Q[j] * V[j][s];
            total += term[s][j];
        }
        equity[s] <== total;
    }
}
