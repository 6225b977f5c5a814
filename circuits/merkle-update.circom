pragma circom 2.1.0;

include "poseidon.circom";

/*
 * MerkleUpdate: one leaf of a binary Poseidon tree replaced, old and new root from one path.
 * @param depth - tree depth
 * @input oldLeaf, newLeaf - field; the leaf before and after
 * @input pathBits[depth] - index bits, little-endian from the leaf (1 = node is a right child)
 * @input siblings[depth] - field; sibling at each level, leaf level first
 * @output oldRoot - root of the tree holding oldLeaf at that index
 * @output newRoot - root of the same tree with newLeaf there instead
 * Guarantees: each path bit is 0 or 1; both roots use the same siblings and bits, so only that
 * leaf changed. The caller compares oldRoot with the current root.
 * NOTE: does not bind pathBits to an id: callers take them from Num2Bits of the account id or
 * order id.
 */
template MerkleUpdate(depth) {
    signal input oldLeaf;
    signal input newLeaf;
    signal input pathBits[depth];
    signal input siblings[depth];
    signal output oldRoot;
    signal output newRoot;

    signal oldNode[depth + 1];
    signal newNode[depth + 1];
    signal oldLeft[depth];
    signal newLeft[depth];
    oldNode[0] <== oldLeaf;
    newNode[0] <== newLeaf;
    for (var k = 0; k < depth; k++) {
        pathBits[k] * (pathBits[k] - 1) === 0;
        // bit 0: node is the left child; bit 1: the sibling is
        oldLeft[k] <== oldNode[k] + pathBits[k] * (siblings[k] - oldNode[k]);
        newLeft[k] <== newNode[k] + pathBits[k] * (siblings[k] - newNode[k]);
        oldNode[k + 1] <== Poseidon(2)([oldLeft[k], oldNode[k] + siblings[k] - oldLeft[k]]);
        newNode[k + 1] <== Poseidon(2)([newLeft[k], newNode[k] + siblings[k] - newLeft[k]]);
    }
    oldRoot <== oldNode[depth];
    newRoot <== newNode[depth];
}
