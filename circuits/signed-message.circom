pragma circom 2.1.0;

include "eddsaposeidon.circom";

/*
 * SignedMessage: msg is signed by the Baby Jubjub key (Ax, Ay) with circomlib EdDSA-Poseidon.
 * @input Ax, Ay - field; the signer's public key (from its account leaf)
 * @input R8x, R8y, S - the signature
 * @input msg - field; the signed hash (order, cancel or withdrawal hash, domain included)
 * Guarantees: S < subgroup order and S*B8 == R8 + 8*Poseidon(R8, A, msg)*A. The verifier's
 * `enabled` input is fixed to 1: a disabled batch slot carries a valid dummy signature instead.
 * NOTE: does not check A is in the prime-order subgroup (the 8*A cofactor clearing is
 * circomlib's); the model refuses such keys at deposit.
 */
template SignedMessage() {
    signal input Ax;
    signal input Ay;
    signal input R8x;
    signal input R8y;
    signal input S;
    signal input msg;

    component v = EdDSAPoseidonVerifier();
    v.enabled <== 1;
    v.Ax <== Ax;
    v.Ay <== Ay;
    v.R8x <== R8x;
    v.R8y <== R8y;
    v.S <== S;
    v.M <== msg;
}

/*
 * SignedMessageIf: SignedMessage checked only when enabled (a touched slot carries the dummy
 * signature of an empty slot under the touched account's key, which does not verify).
 * @input enabled - boolean (checked by the caller); the other inputs as SignedMessage
 */
template SignedMessageIf() {
    signal input enabled;
    signal input Ax;
    signal input Ay;
    signal input R8x;
    signal input R8y;
    signal input S;
    signal input msg;

    component v = EdDSAPoseidonVerifier();
    v.enabled <== enabled;
    v.Ax <== Ax;
    v.Ay <== Ay;
    v.R8x <== R8x;
    v.R8y <== R8y;
    v.S <== S;
    v.M <== msg;
}
