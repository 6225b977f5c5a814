pragma circom 2.1.0;

include "order-hash.circom";
include "order-slot-update.circom";
include "position-add.circom";
include "signed-message.circom";

/*
 * FillSide: one order's half of a fill, applied to its account's running state (the state the
 * account slot it names holds after the account's earlier fills in the batch: AccountPick).
 * The account's leaf is written once, by its AccountSlot, which also checks its margin and the
 * range of its collateral after all of its fills.
 * @param OD - order slot bits (even; 4-ary order tree of OD / 2 levels); @param P - positions
 * @param DOMAIN - Poseidon([chainId, settlementAddress]) of the deployment
 * @input enabled - 1 for a real side, 0 for an empty one (boolean, checked by the caller)
 * @input accountId, Ax, Ay - the account slot's id and key (routed)
 * @input orderId, seriesId, side, limit, orderQty, expiry, groupId, legIndex, legCount,
 *        triggerSeries, triggerLevel, triggerDir - the order
 * @input R8x, R8y, S8 - its signature
 * @input ordersRoot, collateral, posSeries[P], posQty[P] - the account's running state (routed)
 * @input slotId, slotFilled, slotPath[OD \ 2][3] - the order slot before, and its path
 * @input posSel[P] - one-hot position slot the fill goes to (all 0 on an empty side)
 * @input fillQty - contracts filled (range-checked by Fill)
 * @input collateralDelta - signed change of collateral (buyer -(notional+fee), seller notional-fee)
 * @input positionDelta - signed change of position (buyer +qty, seller -qty)
 * @output outOrdersRoot, outCollateral, outSeries[P], outQty[P] - the running state after
 * @output filled - the order's filled quantity after the fill (for GroupChain)
 * Guarantees, when enabled: the order (its account id included) is signed by the account's key;
 * the fill fits the order's remaining quantity under the replay rule and the order slot is
 * updated in the account's orders tree; PositionAdd's rules; collateral moves by exactly
 * collateralDelta (not range-checked here: AccountSlot checks the account's final collateral,
 * and a batch's few deltas are far from wrapping the field). An empty side proves nothing.
 */
template FillSide(OD, P, DOMAIN) {
    signal input enabled;
    signal input accountId;
    signal input Ax;
    signal input Ay;
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
    signal input ordersRoot;
    signal input collateral;
    signal input posSeries[P];
    signal input posQty[P];
    signal input slotId;
    signal input slotFilled;
    signal input slotPath[OD \ 2][3];
    signal input posSel[P];
    signal input fillQty;
    signal input collateralDelta;
    signal input positionDelta;
    signal output outOrdersRoot;
    signal output outCollateral;
    signal output outSeries[P];
    signal output outQty[P];
    signal output filled;

    signal orderHash <== OrderHash()(DOMAIN, accountId, orderId, seriesId, side, limit, orderQty,
                                     expiry, groupId, legIndex, legCount, triggerSeries,
                                     triggerLevel, triggerDir);
    SignedMessageIf()(enabled, Ax, Ay, R8x, R8y, S8, orderHash);

    component slot = OrderSlotUpdate(OD, 0);
    slot.orderId <== orderId;
    slot.amount <== fillQty;
    slot.limit <== orderQty;
    slot.slotId <== slotId;
    slot.slotFilled <== slotFilled;
    slot.siblings <== slotPath;
    enabled * (slot.oldRoot - ordersRoot) === 0;
    filled <== slot.filled;
    outOrdersRoot <== ordersRoot + enabled * (slot.newRoot - ordersRoot);

    component pos = PositionAdd(P);
    pos.series <== posSeries;
    pos.qty <== posQty;
    pos.active <== enabled;
    pos.sel <== posSel;
    pos.seriesId <== seriesId;
    pos.delta <== enabled * positionDelta;
    outSeries <== pos.newSeries;
    outQty <== pos.newQty;

    outCollateral <== collateral + enabled * collateralDelta;
}
