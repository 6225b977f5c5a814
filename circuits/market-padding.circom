pragma circom 2.1.0;

include "comparators.circom";

/*
 * MarketPadding: a padding row (series id 0) of the market table is all zero (docs/risk.md,
 * "Oracle promises").
 * @param M - table rows; @param S - scenarios
 * @input ids[M], status[M], mark[M], settlement[M], vim[M][S], vmm[M][S], expiry[M], delta[M] -
 *        the rows
 * Guarantees: every row with ids[j] == 0 has status, mark, settlement, expiry, delta and every V 0,
 * so the empty position slot (0, 0), which matches padding rows, is worth 0 in every scenario.
 * Cost: M (2S + 7) constraints.
 * NOTE: says nothing about where padding rows sit (MarketIds puts them after the series).
 */
template MarketPadding(M, S) {
    signal input ids[M];
    signal input status[M];
    signal input mark[M];
    signal input settlement[M];
    signal input vim[M][S];
    signal input vmm[M][S];
    signal input expiry[M];
    signal input delta[M];

    signal padding[M];
    for (var j = 0; j < M; j++) {
        padding[j] <== IsZero()(ids[j]);
        padding[j] * status[j] === 0;
        padding[j] * mark[j] === 0;
        padding[j] * settlement[j] === 0;
        padding[j] * expiry[j] === 0;
        padding[j] * delta[j] === 0;
        for (var s = 0; s < S; s++) {
            padding[j] * vim[j][s] === 0;
            padding[j] * vmm[j][s] === 0;
        }
    }
}
