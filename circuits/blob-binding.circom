pragma circom 2.1.0;

include "bitify.circom";

/*
 * The public input dataBinding = alpha + 2^128 (F mod 2^125) (DA_SPEC sec. 5): one input where
 * (alpha, F) were two (a Groth16 public input costs ~6k gas to verify on-chain).
 * Soundness: alpha is 128 bits of keccak (Schwartz-Zippel: another blob passes with
 * probability <= n(K+3) / 2^128, ~2^-118); F is checked on its low 125 bits only, so a wrong F
 * passes with probability ~2^-125 over the (keccak-random) alpha.
 * The batch splits first (alpha feeds the records) and checks the tail once F is computed,
 * hence two templates; BlobBinding is the two together.
 */

/*
 * BindingSplit: binding -> (alpha, tail). Num2Bits(253): 2^253 < p, so the split is unique.
 * @input binding - dataBinding
 * @output alpha - bits 0..127: the blob's challenge
 * @output tail - bits 128..252: must be F mod 2^125 (FingerprintTail)
 */
template BindingSplit() {
    signal input binding;
    signal output alpha;
    signal output tail;

    signal bits[253] <== Num2Bits(253)(binding);
    var a = 0;
    for (var i = 0; i < 128; i++) {
        a += bits[i] * (1 << i);
    }
    alpha <== a;
    var t = 0;
    for (var i = 0; i < 125; i++) {
        t += bits[128 + i] * (1 << i);
    }
    tail <== t;
}

/*
 * FingerprintTail: F mod 2^125 == tail. F's bits are canonical (Num2Bits_strict: no alias
 * F + p), so "mod 2^125" is of F's integer value in [0, p), as the contract computes it.
 * @input F - the fingerprint computed from the write records (BlobFingerprint)
 * @input tail - from BindingSplit (< 2^125 by construction)
 */
template FingerprintTail() {
    signal input F;
    signal input tail;

    signal fBits[254] <== Num2Bits_strict()(F);
    var low = 0;
    for (var i = 0; i < 125; i++) {
        low += fBits[i] * (1 << i);
    }
    low === tail;
}

/*
 * BlobBinding: BindingSplit and FingerprintTail on one binding and F (tested as a unit).
 * @input binding - dataBinding; @input F - the fingerprint
 * @output alpha - the binding's low 128 bits
 */
template BlobBinding() {
    signal input binding;
    signal input F;
    signal output alpha;

    component split = BindingSplit();
    split.binding <== binding;
    alpha <== split.alpha;
    FingerprintTail()(F, split.tail);
}
