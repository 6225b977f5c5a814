pragma circom 2.1.0;

/*
 * AlphaPowers: alpha^0 .. alpha^(N - 1), computed once per batch and shared by every record.
 * @input alpha - the blob's challenge (the low 128 bits of the public input dataBinding)
 * @output pow[N] - pow[k] = alpha^k
 */
template AlphaPowers(N) {
    signal input alpha;
    signal output pow[N];
    pow[0] <== 1;
    for (var k = 1; k < N; k++) {
        pow[k] <== pow[k - 1] * alpha;
    }
}

/*
 * BlobRecord: the value of one blob entry, e = sum_k v_k alpha^k over
 * v = [accountId, leafHash, ct_0 .. ct_K] (DA_SPEC sec. 5).
 * @param K - packed words per leaf (K + 3 values per entry)
 * @input accountId, leafHash, ct[K + 1] - the entry
 * @input pow[K + 3] - alpha^0 .. alpha^(K + 2) (AlphaPowers)
 * @output e - field; the entry's evaluation at alpha
 */
template BlobRecord(K) {
    signal input accountId;
    signal input leafHash;
    signal input ct[K + 1];
    signal input pow[K + 3];
    signal output e;

    signal term[K + 2];
    term[0] <== leafHash * pow[1];
    for (var j = 0; j <= K; j++) {
        term[j + 1] <== ct[j] * pow[j + 2];
    }
    var sum = accountId * pow[0];
    for (var j = 0; j < K + 2; j++) {
        sum += term[j];
    }
    e <== sum;
}
