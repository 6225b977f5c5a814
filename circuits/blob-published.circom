pragma circom 2.1.0;

include "comparators.circom";

/*
 * BlobPublished: which records the blob holds: the last write of each account id.
 *   published_i = w_i * prod_{j > i} (1 - w_j [id_j == id_i])
 * @param N - records of a batch, in slot order
 * @input w[N] - 1 iff the record's slot wrote its leaf (boolean, checked by the caller)
 * @input id[N] - the account id each record wrote (any value when w = 0)
 * @output published[N] - 1 iff record i is the final write of its id
 * O(N^2) comparisons: N is a few dozen at most.
 */
template BlobPublished(N) {
    signal input w[N];
    signal input id[N];
    signal output published[N];

    component eq[N][N];
    signal hit[N][N];
    signal keep[N][N + 1];
    for (var i = 0; i < N; i++) {
        keep[i][i + 1] <== w[i];
        for (var j = i + 1; j < N; j++) {
            eq[i][j] = IsEqual();
            eq[i][j].in[0] <== id[i];
            eq[i][j].in[1] <== id[j];
            hit[i][j] <== w[j] * eq[i][j].out;
            keep[i][j + 1] <== keep[i][j] * (1 - hit[i][j]);
        }
        published[i] <== keep[i][N];
    }
}
