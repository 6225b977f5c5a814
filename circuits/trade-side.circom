pragma circom 2.1.0;

include "account-leaf.circom";
include "leaf-update.circom";
include "margin-delta.circom";
include "order-hash.circom";
include "order-slot-update.circom";
include "position-add.circom";
include "range-check-64.circom";
include "signed-message.circom";

/*
 * TradeSide: one account's half of a fill: its signed order, order storage, position, collateral
 * and initial margin, applied to the state root.
 * @param AD - account tree depth (4-ary levels); @param OD - order slot bits (even; 4-ary order tree of OD / 2 levels)
 * @param P, M, S - positions, table rows, scenarios
 * @param DOMAIN - Poseidon([chainId, settlementAddress]) of the deployment
 * @input enabled - 1 for a real fill (boolean, checked by the caller)
 * @input rootIn - state root before
 * @input accountId, orderId, seriesId, side, limit, orderQty, expiry, groupId, legIndex,
 *        legCount, triggerSeries, triggerLevel, triggerDir - the order
 * @input R8x, R8y, S8 - its signature
 * @input Ax, Ay, collateral, ordersRoot, posSeries[P], posQty[P], accPath[AD][3] - the account's
 *        leaf contents before, and its path
 * @input slotId, slotFilled, slotPath[OD \ 2][3] - the order slot before, and its path
 * @input posSel[P] - one-hot position slot the fill goes to
 * @input fillQty - contracts filled (range-checked by Fill)
 * @input collateralDelta - signed change of collateral (buyer -(notional+fee), seller notional-fee)
 * @input positionDelta - signed change of position (buyer +qty, seller -qty)
 * @input ids[M], vim[M][S], deltas[M] - the market table's ids, initial-margin rows and deltas
 * @input enc, count - the leaf's ECDH x-coordinate and write count before
 * @input touch - 1 to rewrite the leaf of a disabled side with count + 1 and nothing else
 *        (cover, DA_SPEC sec. 2); boolean, touch * enabled == 0
 * @output rootOut - state root after (rootIn if disabled and not touched)
 * @output written - enabled + touch: the leaf was rewritten (a blob record)
 * @output newLeaf, outCollateral, outOrdersRoot, outSeries[P], outQty[P], outCount - the leaf
 *        written (its hash and fields, for the blob record)
 * @output filled - the order's filled quantity after the fill (for GroupChain)
 * @output delta - the account's portfolio delta after the fill (MarginDelta; for HedgeRule)
 * Guarantees: the order is signed by the account's key (enabled fixed to 1; a disabled slot
 * carries a valid dummy); the order's account is the leaf updated; the fill fits the order's
 * remaining quantity under the replay rule; new collateral is unsigned 64-bit; when enabled the
 * account passes the initial margin rule afterwards.
 * NOTE: the price/series/side/expiry rules between the two orders are Fill's.
 */
template TradeSide(AD, OD, P, M, S, DOMAIN) {
    signal input enabled;
    signal input rootIn;
    signal input accountId;
    signal input orderId;
    signal input seriesId;
    signal input side;
    signal input limit;
    signal input orderQty;
    signal input expiry;
    signal input groupId;
    signal input legIndex;
    signal input legCount;
    signal input triggerSeries;
    signal input triggerLevel;
    signal input triggerDir;
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
    signal input posSel[P];
    signal input fillQty;
    signal input collateralDelta;
    signal input positionDelta;
    signal input ids[M];
    signal input vim[M][S];
    signal input deltas[M];
    signal input enc;
    signal input count;
    signal input touch;
    signal output rootOut;
    signal output written;
    signal output newLeaf;
    signal output outCollateral;
    signal output outOrdersRoot;
    signal output outSeries[P];
    signal output outQty[P];
    signal output outCount;
    signal output filled;
    signal output delta;

    touch * (touch - 1) === 0;
    touch * enabled === 0;
    written <== enabled + touch;

    signal orderHash <== OrderHash()(DOMAIN, accountId, orderId, seriesId, side, limit, orderQty,
                                     expiry, groupId, legIndex, legCount, triggerSeries,
                                     triggerLevel, triggerDir);
    SignedMessageIf()(1 - touch, Ax, Ay, R8x, R8y, S8, orderHash);

    component slot = OrderSlotUpdate(OD, 0);
    slot.orderId <== orderId;
    slot.amount <== fillQty;
    slot.limit <== orderQty;
    slot.slotId <== slotId;
    slot.slotFilled <== slotFilled;
    slot.siblings <== slotPath;
    (1 - touch) * (slot.oldRoot - ordersRoot) === 0;
    filled <== slot.filled;

    component pos = PositionAdd(P);
    pos.series <== posSeries;
    pos.qty <== posQty;
    pos.active <== 1 - touch;
    pos.sel <== posSel;
    pos.seriesId <== seriesId;
    pos.delta <== (1 - touch) * positionDelta;  // a touched side adds nothing (posSel = 0)

    // a touch keeps every field but count (the dummy fill's effects are muxed out)
    outCollateral <== collateral + enabled * collateralDelta;
    outOrdersRoot <== ordersRoot + enabled * (slot.newRoot - ordersRoot);
    outSeries <== pos.newSeries;  // inactive when touched: the positions stay
    outQty <== pos.newQty;
    RangeCheck64()(outCollateral);
    outCount <== count + 1;
    // a Poseidon preimage of 0 is unknown, so a proven oldLeaf is a non-empty leaf
    signal oldLeaf <== AccountLeaf(P)(Ax, Ay, collateral, ordersRoot, posSeries, posQty, enc,
                                      count);
    newLeaf <== AccountLeaf(P)(Ax, Ay, outCollateral, outOrdersRoot, outSeries, outQty, enc,
                               outCount);
    rootOut <== LeafUpdate(AD)(written, rootIn, accountId, oldLeaf, newLeaf, accPath);

    component margin = MarginDelta(P, M, S);
    margin.enabled <== enabled;
    margin.collateral <== outCollateral;
    margin.series <== pos.newSeries;
    margin.qty <== pos.newQty;
    margin.ids <== ids;
    margin.V <== vim;
    margin.deltas <== deltas;
    delta <== margin.delta;
}
