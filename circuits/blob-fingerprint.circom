pragma circom 2.1.0;

/*
 * BlobFingerprint: F = prod over published records of (beta - e_i), beta = alpha^(K + 3)
 * (DA_SPEC sec. 5); an unpublished record contributes 1: F = prod (1 + p_i (beta - e_i - 1)).
 * @param N - records
 * @input published[N] - boolean (BlobPublished)
 * @input e[N] - each record's value (BlobRecord)
 * @input beta - alpha^(K + 3)
 * @output F - the fingerprint the contract computes from the blob (1 for none)
 */
template BlobFingerprint(N) {
    signal input published[N];
    signal input e[N];
    signal input beta;
    signal output F;

    signal factor[N];
    signal acc[N + 1];
    acc[0] <== 1;
    for (var i = 0; i < N; i++) {
        factor[i] <== published[i] * (beta - e[i] - 1);
        acc[i + 1] <== acc[i] * (1 + factor[i]);
    }
    F <== acc[N];
}
