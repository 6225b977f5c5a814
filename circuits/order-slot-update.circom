pragma circom 2.1.0;

include "bitify.circom";
include "comparators.circom";
include "poseidon.circom";
include "quad-merkle-update.circom";

/*
 * OrderSlotUpdate: replay protection and partial fills in the account's order storage.
 * The slot orderId mod 2^depth holds (slotId, filled) (leaf Poseidon([slotId, filled]); an empty
 * slot is the leaf 0 and reads as (0, 0)).
 *   orderId >  slotId: a new order; it starts from filled = 0 (the old order is dead)
 *   orderId == slotId: the same order continues its partial fill
 *   orderId <  slotId: rejected (replayed or cancelled)
 * then filled' = base + amount must be <= limit, and the slot becomes (orderId, filled').
 * With strict = 1 the equal case is rejected too (withdrawal nonces).
 * The order tree is 4-ary (docs/CONVENTIONS.md, "Trees"): depth / 2 levels, 2^depth slots.
 * @param depth - slot index bits (even): the slot is orderId mod 2^depth
 * @param strict - 1 to require orderId > slotId
 * @input orderId - unsigned 64-bit order id (nonce)
 * @input amount - unsigned 64-bit quantity filled now
 * @input limit - unsigned 64-bit order quantity
 * @input slotId, slotFilled - the slot's old contents (prover supplied, range-checked here)
 * @input siblings[depth \ 2][3] - Merkle path of the slot (3 other children per 4-ary level)
 * @output oldRoot - the orders root the slot was read from (caller compares)
 * @output newRoot - the orders root after the write
 * @output filled - filled' (64-bit)
 * NOTE: amount and limit must be range-checked by the caller (OrderHash / Fill do).
 */
template OrderSlotUpdate(depth, strict) {
    signal input orderId;
    signal input amount;
    signal input limit;
    signal input slotId;
    signal input slotFilled;
    signal input siblings[depth \ 2][3];
    signal output oldRoot;
    signal output newRoot;
    signal output filled;
    assert(depth % 2 == 0);

    component idBits = Num2Bits(64);
    idBits.in <== orderId;
    component slotIdBits = Num2Bits(64);
    slotIdBits.in <== slotId;
    component slotFilledBits = Num2Bits(64);
    slotFilledBits.in <== slotFilled;

    // newer order: slotId < orderId; same order: equal; older: neither (rejected)
    signal newer <== LessThan(64)([slotId, orderId]);
    signal same <== IsEqual()([slotId, orderId]);
    newer + same * (1 - strict) === 1;

    // filled < 2^65 (both terms < 2^64) and limit < 2^64, so a 65-bit comparison is sound;
    // filled <= limit then makes filled itself a 64-bit value
    filled <== amount + same * slotFilled;
    signal withinLimit <== LessEqThan(65)([filled, limit]);
    withinLimit === 1;

    // empty slot (leaf 0) iff (0, 0): both parts are < 2^64 so the sum is 0 iff both are
    signal isEmpty <== IsZero()(slotId + slotFilled);
    signal slotHash <== Poseidon(2)([slotId, slotFilled]);
    component path = MerkleUpdate4(depth \ 2);
    path.oldLeaf <== slotHash * (1 - isEmpty);
    path.newLeaf <== Poseidon(2)([orderId, filled]);
    for (var k = 0; k < depth; k++) {
        path.pathBits[k] <== idBits.out[k];
    }
    path.siblings <== siblings;
    oldRoot <== path.oldRoot;
    newRoot <== path.newRoot;
}
