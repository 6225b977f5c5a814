pragma circom 2.1.0;

include "poseidon.circom";

/*
 * MarketHash: the hash the risk oracle registers for a market table of M series x S scenarios.
 *   row[j] = Poseidon([ids[j], status[j], mark[j], settlement[j],
 *                      Poseidon(vim[j][0..S-1]), Poseidon(vmm[j][0..S-1])])
 *   h = epoch; h = Poseidon([h, row[j]]) for j = 0..M-1; out = h
 * Signed values are v mod p. Unused rows are padding: all zero.
 * @param M - series in the table; @param S - scenarios (S <= 16)
 * @input epoch - the risk epoch
 * @input ids[M], status[M] (0 live, 1 expired), mark[M], settlement[M], vim[M][S], vmm[M][S]
 * @output out - field; the market hash
 * NOTE: checks no ranges and no ordering: the oracle is trusted for the table's contents.
 */
template MarketHash(M, S) {
    signal input epoch;
    signal input ids[M];
    signal input status[M];
    signal input mark[M];
    signal input settlement[M];
    signal input vim[M][S];
    signal input vmm[M][S];
    signal output out;

    signal chain[M + 1];
    chain[0] <== epoch;
    for (var j = 0; j < M; j++) {
        var row = Poseidon(6)([ids[j], status[j], mark[j], settlement[j],
                               Poseidon(S)(vim[j]), Poseidon(S)(vmm[j])]);
        chain[j + 1] <== Poseidon(2)([chain[j], row]);
    }
    out <== chain[M];
}
