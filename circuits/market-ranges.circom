pragma circom 2.1.0;

include "range-check-64.circom";
include "signed-range-64.circom";

/*
 * MarketRanges: every row's mark and settlement is a signed 64-bit value and its expiry an
 * unsigned one (docs/risk.md, "Oracle promises"; CONVENTIONS.md signed convention).
 * @param M - table rows
 * @input mark[M], settlement[M] - v mod p per row; @input expiry[M] - unix seconds per row
 * Guarantees: mark[j] and settlement[j] are v mod p with -2^63 <= v < 2^63 for every row, so
 * the liquidation cash q * mark - |q| * PENALTY and the settlement flow q * settlement are the
 * integer products the model computes (|q| < 2^63: below 2^127 in absolute value, no wrap);
 * expiry[j] < 2^64, so BeforeExpiry's 64-bit comparison is sound.
 * Cost: 192 M constraints.
 * NOTE: the scenario values vim / vmm are NOT range-checked (2 M S x 64 constraints, 32,768 at
 * M = S = 16): the oracle is trusted for them (docs/risk.md says what breaks if it lies), and
 * the statement layer refuses such a table before it is hashed or proven.
 */
template MarketRanges(M) {
    signal input mark[M];
    signal input settlement[M];
    signal input expiry[M];

    for (var j = 0; j < M; j++) {
        RangeCheck64()(expiry[j]);
        SignedRange64()(mark[j]);
        SignedRange64()(settlement[j]);
    }
}
