pragma circom 2.1.0;

include "poseidon.circom";

// Test-only: circomlib's Poseidon at the arities the project uses (tree node, EdDSA message,
// order hash, account leaf with P = 4) and the maximum, each equal to a value Python computed.
template PoseidonCheck() {
    signal input in2[2];
    signal input in5[5];
    signal input in9[9];
    signal input in12[12];
    signal input in16[16];
    signal input expected[5];

    signal h[5];
    h[0] <== Poseidon(2)(in2);
    h[1] <== Poseidon(5)(in5);
    h[2] <== Poseidon(9)(in9);
    h[3] <== Poseidon(12)(in12);
    h[4] <== Poseidon(16)(in16);
    for (var i = 0; i < 5; i++) {
        expected[i] === h[i];
    }
}

component main {public [expected]} = PoseidonCheck();
