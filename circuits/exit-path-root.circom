pragma circom 2.1.0;

include "bitify.circom";
include "poseidon.circom";
include "quad-merkle-update.circom";

/*
 * ExitPathRoot: the root of the 4-ary account tree holding `leaf` at `accountId` (the read-only
 * half of MerkleUpdate4: same node layout, same SiblingPart / QuadChildren, one hash per level).
 * @param AD - tree depth in 4-ary levels (capacity 4^AD accounts)
 * @input leaf - field; the account leaf
 * @input accountId - the leaf index; its 2 * AD bits are the path (so accountId < 4^AD)
 * @input siblings[AD][3] - field; the other three children at each level, leaf level first
 * @output root - the root those siblings give with `leaf` at `accountId`
 * Guarantees: the path bits are Num2Bits of accountId, so the root is the one of that very
 * index; the caller compares it with the claimed root.
 * Cost per level: one Poseidon(4) plus 7 constraints; plus 2 * AD for the bits.
 */
template ExitPathRoot(AD) {
    signal input leaf;
    signal input accountId;
    signal input siblings[AD][3];
    signal output root;

    signal bits[2 * AD] <== Num2Bits(2 * AD)(accountId);
    signal node[AD + 1];
    signal b01[AD];
    signal part[AD][4];
    signal children[AD][4];
    node[0] <== leaf;
    for (var k = 0; k < AD; k++) {
        b01[k] <== bits[2 * k] * bits[2 * k + 1];
        part[k] <== SiblingPart()(bits[2 * k], bits[2 * k + 1], b01[k], siblings[k]);
        children[k] <== QuadChildren()(node[k], bits[2 * k], bits[2 * k + 1], b01[k], part[k]);
        node[k + 1] <== Poseidon(4)(children[k]);
    }
    root <== node[AD];
}
