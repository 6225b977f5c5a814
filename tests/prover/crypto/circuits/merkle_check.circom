pragma circom 2.1.0;

include "poseidon.circom";

// Test-only Merkle inclusion check (the project's templates live in circuits/): the root
// folded from leaf, little-endian path bits and siblings equals the public root.
// Guarantees: path bits are boolean; node = Poseidon(left, right), bit 1 = node is the right
// child, as in docs/CONVENTIONS.md.
template MerkleCheck(depth) {
    signal input leaf;
    signal input pathBits[depth];
    signal input siblings[depth];
    signal input root;

    signal node[depth + 1];
    signal left[depth];
    node[0] <== leaf;
    for (var k = 0; k < depth; k++) {
        pathBits[k] * (pathBits[k] - 1) === 0;
        left[k] <== node[k] + pathBits[k] * (siblings[k] - node[k]);
        node[k + 1] <== Poseidon(2)([left[k], node[k] + siblings[k] - left[k]]);
    }
    root === node[depth];
}

component main {public [root]} = MerkleCheck(4);
