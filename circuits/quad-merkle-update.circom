pragma circom 2.1.0;

include "poseidon.circom";

/*
 * QuadChildren: the four children of one 4-ary level, the path's node placed at its digit.
 * @input node - the path's node at this level
 * @input b0, b1 - the child index bits (digit = b0 + 2 * b1); boolean, checked by the caller
 * @input b01 - b0 * b1, computed once by the caller (shared by the old and new path)
 * @input sibPart[4] - the sibling share of each child (SiblingPart of the level's siblings)
 * @output c[4] - children left to right
 * Guarantees: c = sib with node inserted at position b0 + 2 * b1, given boolean bits and the
 * sibling parts of SiblingPart. Costs 3 constraints (node times b0, b1, b01).
 */
template QuadChildren() {
    signal input node;
    signal input b0;
    signal input b1;
    signal input b01;
    signal input sibPart[4];
    signal output c[4];

    // indicator of digit j: e0 = (1-b0)(1-b1), e1 = b0 - b01, e2 = b1 - b01, e3 = b01
    signal n0 <== node * b0;
    signal n1 <== node * b1;
    signal n01 <== node * b01;
    c[0] <== sibPart[0] + node - n0 - n1 + n01;
    c[1] <== sibPart[1] + n0 - n01;
    c[2] <== sibPart[2] + n1 - n01;
    c[3] <== sibPart[3] + n01;
}

/*
 * SiblingPart: each child's value when the path's node is taken as 0.
 * @input b0, b1, b01 - the child index bits and their product (caller checks b01 = b0 * b1)
 * @input sib[3] - the other three children, in child order
 * @output part[4] - child j is sib[j] for j < digit, 0 at the digit, sib[j - 1] after it
 * Costs 3 constraints.
 */
template SiblingPart() {
    signal input b0;
    signal input b1;
    signal input b01;
    signal input sib[3];
    signal output part[4];

    // child 0: sib0 unless digit 0 | child 1: sib0 at digit 0, sib1 at digits 2, 3
    // child 2: sib1 at digits 0, 1, sib2 at digit 3 | child 3: sib2 unless digit 3
    signal e0s0 <== (1 - b0 - b1 + b01) * sib[0];
    signal b1s1 <== b1 * sib[1];
    signal b01s2 <== b01 * sib[2];
    part[0] <== sib[0] - e0s0;
    part[1] <== e0s0 + b1s1;
    part[2] <== sib[1] - b1s1 + b01s2;
    part[3] <== sib[2] - b01s2;
}

/*
 * MerkleUpdate4: one leaf of a 4-ary Poseidon tree replaced, old and new root from one path.
 * A node is Poseidon([c0, c1, c2, c3]) (circomlib Poseidon(4), width 5); the child index at
 * level k is the base-4 digit pathBits[2k] + 2 * pathBits[2k + 1] (little-endian from the leaf).
 * @param levels - tree depth in 4-ary levels (capacity 4^levels leaves)
 * @input oldLeaf, newLeaf - field; the leaf before and after
 * @input pathBits[2 * levels] - the leaf index's bits, little-endian
 * @input siblings[levels][3] - field; the other three children at each level, in child order,
 *   leaf level first
 * @output oldRoot - root of the tree holding oldLeaf at that index
 * @output newRoot - root of the same tree with newLeaf there instead
 * Guarantees: each path bit is 0 or 1; both roots use the same siblings and bits, so only that
 * leaf changed. The caller compares oldRoot with the current root.
 * NOTE: does not bind pathBits to an id: callers take them from Num2Bits of the account id.
 * Cost per level: two Poseidon(4) plus 12 constraints (2 boolean, b0 * b1, 3 sibling
 * products, 3 node products per root).
 */
template MerkleUpdate4(levels) {
    signal input oldLeaf;
    signal input newLeaf;
    signal input pathBits[2 * levels];
    signal input siblings[levels][3];
    signal output oldRoot;
    signal output newRoot;

    signal oldNode[levels + 1];
    signal newNode[levels + 1];
    signal b01[levels];
    component part[levels];
    component oldChildren[levels];
    component newChildren[levels];
    oldNode[0] <== oldLeaf;
    newNode[0] <== newLeaf;
    for (var k = 0; k < levels; k++) {
        pathBits[2 * k] * (pathBits[2 * k] - 1) === 0;
        pathBits[2 * k + 1] * (pathBits[2 * k + 1] - 1) === 0;
        b01[k] <== pathBits[2 * k] * pathBits[2 * k + 1];
        part[k] = SiblingPart();
        part[k].b0 <== pathBits[2 * k];
        part[k].b1 <== pathBits[2 * k + 1];
        part[k].b01 <== b01[k];
        part[k].sib <== siblings[k];
        oldChildren[k] = QuadChildren();
        oldChildren[k].node <== oldNode[k];
        oldChildren[k].b0 <== pathBits[2 * k];
        oldChildren[k].b1 <== pathBits[2 * k + 1];
        oldChildren[k].b01 <== b01[k];
        oldChildren[k].sibPart <== part[k].part;
        newChildren[k] = QuadChildren();
        newChildren[k].node <== newNode[k];
        newChildren[k].b0 <== pathBits[2 * k];
        newChildren[k].b1 <== pathBits[2 * k + 1];
        newChildren[k].b01 <== b01[k];
        newChildren[k].sibPart <== part[k].part;
        oldNode[k + 1] <== Poseidon(4)(oldChildren[k].c);
        newNode[k + 1] <== Poseidon(4)(newChildren[k].c);
    }
    oldRoot <== oldNode[levels];
    newRoot <== newNode[levels];
}
