pragma circom 2.1.0;

include "bitify.circom";
include "merkle-update.circom";

/*
 * LeafUpdate: one account-tree step of a batch, a no-op when the slot is disabled.
 * @param depth - account-tree depth
 * @input enabled - 1 for a real operation, 0 for an empty slot (boolean, checked by the caller)
 * @input rootIn - the state root before the step
 * @input accountId - the leaf index; must be < 2^depth
 * @input oldLeaf, newLeaf - the leaf before and after
 * @input siblings[depth] - the Merkle path
 * @output rootOut - newRoot if enabled, else rootIn
 * Guarantees (when enabled): oldLeaf sits at accountId under rootIn and rootOut is the root with
 * newLeaf there instead; the path selectors are the bits of accountId.
 */
template LeafUpdate(depth) {
    signal input enabled;
    signal input rootIn;
    signal input accountId;
    signal input oldLeaf;
    signal input newLeaf;
    signal input siblings[depth];
    signal output rootOut;

    component bits = Num2Bits(depth);
    bits.in <== accountId;
    component path = MerkleUpdate(depth);
    path.oldLeaf <== oldLeaf;
    path.newLeaf <== newLeaf;
    path.pathBits <== bits.out;
    path.siblings <== siblings;
    enabled * (path.oldRoot - rootIn) === 0;
    rootOut <== rootIn + enabled * (path.newRoot - rootIn);
}
