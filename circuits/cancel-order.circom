pragma circom 2.1.0;

include "bitify.circom";
include "comparators.circom";
include "poseidon.circom";
include "quad-merkle-update.circom";
include "range-check-64.circom";

/*
 * CancelOrder: an on-chain cancel (issue 18 rule 5) kills the orders of its slot.
 * The slot orderId mod 2^depth holds (slotId, filled) (OrderSlotUpdate's layout: leaf
 * Poseidon([slotId, filled]), an empty slot is the leaf 0 and reads (0, 0)). If
 * slotId <= orderId the slot becomes (orderId, 2^64 - 1): OrderSlotUpdate then refuses every
 * order with id < orderId (replay rule) and id = orderId (filled would pass 2^64 - 1 > any
 * limit); a withdrawal nonce <= orderId too (strict). Else (a newer order holds the slot)
 * nothing changes.
 * @param depth - slot index bits (even)
 * @input enabled - 1 when the cancel applies (its key holds the leaf), else 0 (boolean,
 *        checked by the caller)
 * @input orderId - unsigned 64-bit, from QueueWord
 * @input ordersRoot - the account's orders root before
 * @input slotId, slotFilled - the slot's contents (range-checked here)
 * @input siblings[depth \ 2][3] - the slot's 4-ary Merkle path
 * @output killed - 1 iff enabled and the slot was killed (the leaf is written)
 * @output newOrdersRoot - after (ordersRoot when disabled or the slot holds a newer order)
 * Guarantees (when enabled): the slot is read from ordersRoot, and killed exactly when
 * slotId <= orderId.
 */
template CancelOrder(depth) {
    signal input enabled;
    signal input orderId;
    signal input ordersRoot;
    signal input slotId;
    signal input slotFilled;
    signal input siblings[depth \ 2][3];
    signal output newOrdersRoot;
    signal output killed;
    assert(depth % 2 == 0);

    signal idBits[64] <== Num2Bits(64)(orderId);
    RangeCheck64()(slotId);
    RangeCheck64()(slotFilled);
    signal older <== LessEqThan(64)([slotId, orderId]);
    signal kill <== enabled * older;
    killed <== kill;

    // empty slot (leaf 0) iff (0, 0): both parts are 64-bit, so the sum is 0 iff both are
    signal isEmpty <== IsZero()(slotId + slotFilled);
    signal slotHash <== Poseidon(2)([slotId, slotFilled]);
    signal oldLeaf <== slotHash * (1 - isEmpty);
    signal dead <== Poseidon(2)([orderId, (1 << 64) - 1]);
    component path = MerkleUpdate4(depth \ 2);
    path.oldLeaf <== oldLeaf;
    path.newLeaf <== oldLeaf + kill * (dead - oldLeaf);
    for (var k = 0; k < depth; k++) {
        path.pathBits[k] <== idBits[k];
    }
    path.siblings <== siblings;
    enabled * (path.oldRoot - ordersRoot) === 0;
    newOrdersRoot <== ordersRoot + kill * (path.newRoot - ordersRoot);
}
