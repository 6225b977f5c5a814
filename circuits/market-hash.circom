pragma circom 2.1.0;

include "poseidon.circom";

/*
 * Fold16: a 16-ary Poseidon tree over N nodes (docs/risk.md, "Market table hash"): each level
 * is zero-padded to a multiple of 16 and hashed in chunks with Poseidon(16) until one node is left.
 * @param N - number of leaves (>= 1)
 * @input in[N] - the leaves
 * @output out - the root
 */
template Fold16(N) {
    signal input in[N];
    signal output out;

    var chunks = (N + 15) \ 16;
    signal level[chunks];
    for (var c = 0; c < chunks; c++) {
        var chunk[16];
        for (var k = 0; k < 16; k++) {
            chunk[k] = c * 16 + k < N ? in[c * 16 + k] : 0;
        }
        level[c] <== Poseidon(16)(chunk);
    }
    if (chunks == 1) {
        out <== level[0];
    } else {
        out <== Fold16(chunks)(level);
    }
}

/*
 * MarketHash: the hash the risk oracle registers for the market table (docs/risk.md,
 * relayer/risk/table_hash.py), recomputed from the rows the batch uses:
 *   rowHash[j] = Poseidon([ids, status, mark, settlement, Poseidon(vim[j]), Poseidon(vmm[j]),
 *                          expiry, delta])
 *   out = Poseidon([epoch, M, S, Fold16(rowHash)])
 * Signed values are v mod p. Rows after the table's series are padding rows (all zero).
 * @param M - table rows; @param S - scenarios (S <= 16)
 * @input epoch - the risk epoch
 * @input ids[M], status[M] (0 live, 1 expired), mark[M], settlement[M], vim[M][S], vmm[M][S],
 *        expiry[M] (unix seconds: the series trades strictly before it), delta[M] (signed,
 *        per long contract: what hedge mandates are checked against)
 * @output out - field; the market hash
 * NOTE: checks no ranges and no ordering; Batch checks the oracle's promises once per batch
 * (MarketIds, MarketStatus, MarketPadding, MarketRanges) and trusts the oracle for the rest
 * (the scenario values' ranges, docs/risk.md "Oracle promises").
 */
template MarketHash(M, S) {
    signal input epoch;
    signal input ids[M];
    signal input status[M];
    signal input mark[M];
    signal input settlement[M];
    signal input vim[M][S];
    signal input vmm[M][S];
    signal input expiry[M];
    signal input delta[M];
    signal output out;

    signal rows[M];
    for (var j = 0; j < M; j++) {
        rows[j] <== Poseidon(8)([ids[j], status[j], mark[j], settlement[j],
                                 Poseidon(S)(vim[j]), Poseidon(S)(vmm[j]), expiry[j], delta[j]]);
    }
    out <== Poseidon(4)([epoch, M, S, Fold16(M)(rows)]);
}
