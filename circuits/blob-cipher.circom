pragma circom 2.1.0;

include "poseidon.circom";

/*
 * BlobCipher: the ciphertext words of one published leaf (DA_SPEC sec. 3).
 *   slot_i = series_i + 2^29 (qty_i + 2^63)   (0 for i >= P)
 *   w_0 = ordersRoot, w_{1+k} = head_k + 2^64 slot_{2k} + 2^157 slot_{2k+1}
 *   head_0 = collateral, head_1 = count, head_k = 0 (k >= 2)
 *   ct_j = w_j + Poseidon([enc, seed, accountId, j])
 * @param P - position slots; K = max(2, ceil(P / 2)) packed words, K + 1 ct words
 * @input enc - the leaf's ECDH x-coordinate (the key of the pads)
 * @input seed - the batch's pad seed Poseidon([oldRoot, time]) (fresh pads every batch, and
 *        for a batch sealed again on the same root at a later time)
 * @input accountId - the leaf's index
 * @input collateral, ordersRoot, series[P], qty[P], count - the new leaf's fields
 * @output ct[K + 1] - the published words
 * NOTE: checks no ranges: every field is range-checked by the slot that wrote it (series < 2^29,
 * qty signed 64-bit, collateral and count unsigned 64-bit), so the packing is injective.
 */
template BlobCipher(P) {
    var K = P <= 4 ? 2 : (P + 1) \ 2;
    signal input enc;
    signal input seed;
    signal input accountId;
    signal input collateral;
    signal input ordersRoot;
    signal input series[P];
    signal input qty[P];
    signal input count;
    signal output ct[K + 1];

    var slot[2 * K];
    for (var i = 0; i < 2 * K; i++) {
        slot[i] = i < P ? series[i] + (1 << 29) * (qty[i] + (1 << 63)) : 0;
    }
    var w[K + 1];
    w[0] = ordersRoot;
    for (var k = 0; k < K; k++) {
        var head = k == 0 ? collateral : (k == 1 ? count : 0);
        w[1 + k] = head + (1 << 64) * slot[2 * k] + (1 << 157) * slot[2 * k + 1];
    }
    component pad[K + 1];
    for (var j = 0; j <= K; j++) {
        pad[j] = Poseidon(4);
        pad[j].inputs[0] <== enc;
        pad[j].inputs[1] <== seed;
        pad[j].inputs[2] <== accountId;
        pad[j].inputs[3] <== j;
        ct[j] <== w[j] + pad[j].out;
    }
}
