pragma circom 2.1.0;

include "bitify.circom";
include "quad-merkle-update.circom";

/*
 * LeafUpdate: one account-tree step of a batch, a no-op when the slot is disabled.
 * The account tree is 4-ary (docs/CONVENTIONS.md, "Trees"): depth levels, 4^depth accounts.
 * @param depth - account-tree depth in 4-ary levels
 * @input enabled - 1 for a real operation, 0 for an empty slot (boolean, checked by the caller)
 * @input rootIn - the state root before the step
 * @input accountId - the leaf index; must be < 4^depth = 2^(2 * depth)
 * @input oldLeaf, newLeaf - the leaf before and after
 * @input siblings[depth][3] - the Merkle path: the other three children per level, in order
 * @output rootOut - newRoot if enabled, else rootIn
 * Guarantees (when enabled): oldLeaf sits at accountId under rootIn and rootOut is the root with
 * newLeaf there instead; the child index at each level is the base-4 digit of accountId (its
 * bits, from Num2Bits, so accountId < 4^depth).
 */
template LeafUpdate(depth) {
    signal input enabled;
    signal input rootIn;
    signal input accountId;
    signal input oldLeaf;
    signal input newLeaf;
    signal input siblings[depth][3];
    signal output rootOut;

    component bits = Num2Bits(2 * depth);
    bits.in <== accountId;
    component path = MerkleUpdate4(depth);
    path.oldLeaf <== oldLeaf;
    path.newLeaf <== newLeaf;
    path.pathBits <== bits.out;
    path.siblings <== siblings;
    enabled * (path.oldRoot - rootIn) === 0;
    rootOut <== rootIn + enabled * (path.newRoot - rootIn);
}
