pragma circom 2.1.0;

include "eddsaposeidon.circom";

// Test-only: circomlib's EdDSAPoseidonVerifier, always enabled.
template EdDSACheck() {
    signal input Ax;
    signal input Ay;
    signal input R8x;
    signal input R8y;
    signal input S;
    signal input M;

    component v = EdDSAPoseidonVerifier();
    v.enabled <== 1;
    v.Ax <== Ax;
    v.Ay <== Ay;
    v.R8x <== R8x;
    v.R8y <== R8y;
    v.S <== S;
    v.M <== M;
}

component main {public [Ax, Ay, M]} = EdDSACheck();
