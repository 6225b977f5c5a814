pragma circom 2.1.0;

include "blob-cipher.circom";
include "blob-record.circom";

/*
 * BlobEntry: the value e of the blob entry a batch record publishes: its ciphertext words
 * (BlobCipher) evaluated with its id and leaf hash at alpha (BlobRecord).
 * @param P - position slots; K = max(2, ceil(P / 2))
 * @input accountId, leafHash - the record's id and new leaf
 * @input enc, collateral, ordersRoot, series[P], qty[P], count - the new leaf's fields
 * @input seed - the batch's pad seed (BlobCipher); pow[K + 3] - alpha^0 .. alpha^(K + 2)
 * @output e - the entry's value (whether it is published is BlobPublished's rule)
 */
template BlobEntry(P) {
    var K = P <= 4 ? 2 : (P + 1) \ 2;
    signal input accountId;
    signal input leafHash;
    signal input enc;
    signal input collateral;
    signal input ordersRoot;
    signal input series[P];
    signal input qty[P];
    signal input count;
    signal input seed;
    signal input pow[K + 3];
    signal output e;

    signal ct[K + 1] <== BlobCipher(P)(enc, seed, accountId, collateral, ordersRoot, series, qty,
                                       count);
    e <== BlobRecord(K)(accountId, leafHash, ct, pow);
}
