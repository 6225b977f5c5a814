pragma circom 2.1.0;

include "bitify.circom";
include "comparators.circom";

/*
 * GroupLeg: what one fill of a grouped order says about its group (docs/CONVENTIONS.md,
 * "Atomic groups"), for GroupChain.
 * @input enabled - 1 for a real fill (boolean, checked by the caller)
 * @input orderId, groupId, legIndex, legCount - the signed order's fields
 * @input fillQty, orderQty - this fill's and the order's quantity
 * @input filled - the order's filled quantity after this fill (OrderSlotUpdate)
 * @input maskIn - the group's legs completed before this fill (prover supplied, 4 bits here)
 * @output grouped - 1 iff enabled and legCount > 0
 * @output maskOut - maskIn plus this leg's bit if this fill completes the order
 * @output fresh - 1 iff nothing of the order was filled before this fill
 * @output complete - 1 iff this fill completes the order
 * @output last - 1 iff this fill completes the order and with it every leg of the group
 * Guarantees: legIndex < 4 and legCount < 8 (any order); for a grouped fill: this leg is not in
 * maskIn (a leg completes once, so maskOut is maskIn OR bit) and leg 0's order id is groupId (a
 * group is named by its first leg's nonce, so it can fill once); last is never 1 for a leg
 * outside the group (legIndex >= legCount) nor for legCount > 4 (the encoding refuses both).
 */
template GroupLeg() {
    signal input enabled;
    signal input orderId;
    signal input groupId;
    signal input legIndex;
    signal input legCount;
    signal input fillQty;
    signal input orderQty;
    signal input filled;
    signal input maskIn;
    signal output grouped;
    signal output maskOut;
    signal output fresh;
    signal output complete;
    signal output last;

    signal i[2] <== Num2Bits(2)(legIndex);
    // legCount 5..7 would need a mask of 31 or more, which maskOut (at most 15 + 8) never
    // reaches: such a group never completes, so legCount <= 4 needs no constraint of its own
    signal n[3] <== Num2Bits(3)(legCount);
    signal m[4] <== Num2Bits(4)(maskIn);

    signal single <== IsZero()(legCount);
    grouped <== enabled * (1 - single);
    // a leg at legIndex >= legCount adds a bit outside 2^legCount - 1 once complete, so its
    // group never completes either: legIndex < legCount needs no constraint of its own

    signal bit <== (1 + i[0]) * (1 + 3 * i[1]);  // 2^legIndex
    signal pow01 <== (1 + n[0]) * (1 + 3 * n[1]);
    signal full <== pow01 * (1 + 15 * n[2]) - 1;  // 2^legCount - 1 for legCount <= 4

    // bit legIndex of maskIn
    signal lo <== m[0] + i[0] * (m[1] - m[0]);
    signal hi <== m[2] + i[0] * (m[3] - m[2]);
    signal inMask <== lo + i[1] * (hi - lo);
    grouped * inMask === 0;

    signal leg0 <== (1 - i[0]) * (1 - i[1]);
    signal namedBy <== grouped * leg0;
    namedBy * (orderId - groupId) === 0;

    fresh <== IsEqual()([filled, fillQty]);
    complete <== IsEqual()([filled, orderQty]);
    maskOut <== maskIn + complete * bit;
    signal allDone <== IsEqual()([maskOut, full]);
    last <== complete * allDone;
}
