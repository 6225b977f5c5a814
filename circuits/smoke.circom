pragma circom 2.1.0;

include "poseidon.circom";

// Smoke circuit for the toolchain: proves knowledge of (a, b) with Poseidon(a, b) == digest
// and a * b == product. Guarantees: both public values are bound by the proof.
template Smoke() {
    signal input a;
    signal input b;
    signal input product;   // public
    signal output digest;

    product === a * b;
    digest <== Poseidon(2)([a, b]);
}

component main {public [product]} = Smoke();
