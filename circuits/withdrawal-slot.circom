pragma circom 2.1.0;

include "account-leaf.circom";
include "bitify.circom";
include "leaf-update.circom";
include "margin.circom";
include "not-operator.circom";
include "order-slot-update.circom";
include "poseidon.circom";
include "range-check-64.circom";
include "signed-message.circom";

/*
 * WithdrawalSlot: a withdrawal signed by the account's owner, paid to the address it signed.
 * withdrawalHash = Poseidon([3, DOMAIN, accountId, nonce, amount, ethAddress]). The nonce is
 * consumed in the account's order storage like an order id, strictly: nonce > the slot's id
 * (withdrawals and orders share one nonce space, so a withdrawal also kills an older order in
 * that slot). The account keeps passing the initial margin rule, and is never account 0
 * (NotOperator: what account 0 holds is owed to others; issue 18 rule 1).
 * @param AD, OD, P, M, S, DOMAIN - as AccountSlot and FillSide
 * @input enabled - 1 for a real withdrawal, 0 for an empty slot (boolean, checked here)
 * @input rootIn - state root before
 * @input accountId, nonce, amount - unsigned 64-bit; ethAddress - 160-bit
 * @input R8x, R8y, S8 - the owner's signature
 * @input Ax, Ay, collateral, ordersRoot, posSeries[P], posQty[P], accPath[AD][3] - leaf before
 * @input slotId, slotFilled, slotPath[OD \ 2][3] - the nonce's order slot before
 * @input ids[M], vim[M][S] - market table ids and initial-margin rows
 * @input enc, count - the leaf's ECDH x-coordinate and write count before
 * @input touch - 1 to rewrite the leaf of a disabled slot with count + 1 and nothing else
 *        (cover, DA_SPEC sec. 2); boolean, touch * enabled == 0
 * @output rootOut - state root after (rootIn if disabled and not touched)
 * @output written, newLeaf, outCollateral, outOrdersRoot, outSeries[P], outQty[P], outCount -
 *         the blob record (written = enabled + touch)
 * @output publicValue - amount * 2^160 + ethAddress if enabled, else 0 (the batch public input)
 */
template WithdrawalSlot(AD, OD, P, M, S, DOMAIN) {
    signal input enabled;
    signal input rootIn;
    signal input accountId;
    signal input nonce;
    signal input amount;
    signal input ethAddress;
    signal input R8x;
    signal input R8y;
    signal input S8;
    signal input Ax;
    signal input Ay;
    signal input collateral;
    signal input ordersRoot;
    signal input posSeries[P];
    signal input posQty[P];
    signal input accPath[AD][3];
    signal input slotId;
    signal input slotFilled;
    signal input slotPath[OD \ 2][3];
    signal input ids[M];
    signal input vim[M][S];
    signal input enc;
    signal input count;
    signal input touch;
    signal output rootOut;
    signal output publicValue;
    signal output written;
    signal output newLeaf;
    signal output outCollateral;
    signal output outOrdersRoot;
    signal output outSeries[P];
    signal output outQty[P];
    signal output outCount;

    enabled * (enabled - 1) === 0;
    touch * (touch - 1) === 0;
    touch * enabled === 0;
    written <== enabled + touch;
    NotOperator()(enabled, accountId);  // account 0 holds what is owed to others
    RangeCheck64()(amount);  // accountId: LeafUpdate takes 2 * AD bits; nonce: OrderSlotUpdate
    component addressBits = Num2Bits(160);
    addressBits.in <== ethAddress;

    signal msg <== Poseidon(6)([3, DOMAIN, accountId, nonce, amount, ethAddress]);
    SignedMessageIf()(1 - touch, Ax, Ay, R8x, R8y, S8, msg);

    component slot = OrderSlotUpdate(OD, 1);
    slot.orderId <== nonce;
    slot.amount <== 0;
    slot.limit <== 0;
    slot.slotId <== slotId;
    slot.slotFilled <== slotFilled;
    slot.siblings <== slotPath;
    (1 - touch) * (slot.oldRoot - ordersRoot) === 0;

    // a touch keeps every field but count
    signal paid <== enabled * amount;
    outCollateral <== collateral - paid;
    RangeCheck64()(outCollateral);
    outOrdersRoot <== ordersRoot + enabled * (slot.newRoot - ordersRoot);
    outSeries <== posSeries;
    outQty <== posQty;
    outCount <== count + 1;

    // a Poseidon preimage of 0 is unknown, so a proven oldLeaf is a non-empty leaf
    signal oldLeaf <== AccountLeaf(P)(Ax, Ay, collateral, ordersRoot, posSeries, posQty, enc,
                                      count);
    newLeaf <== AccountLeaf(P)(Ax, Ay, outCollateral, outOrdersRoot, posSeries, posQty, enc,
                               outCount);
    rootOut <== LeafUpdate(AD)(written, rootIn, accountId, oldLeaf, newLeaf, accPath);

    component margin = Margin(P, M, S);
    margin.enabled <== enabled;
    margin.collateral <== outCollateral;
    margin.series <== posSeries;
    margin.qty <== posQty;
    margin.ids <== ids;
    margin.V <== vim;

    publicValue <== enabled * (amount * (1 << 160) + ethAddress);
}
