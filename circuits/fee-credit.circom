pragma circom 2.1.0;

include "account-leaf.circom";
include "comparators.circom";
include "leaf-update.circom";
include "range-check-64.circom";

/*
 * FeeCredit: the batch's fees go to the fee account (account 0) in one leaf update.
 * Skipped when fees == 0, so a batch without fills needs no fee account.
 * @param AD, P - account depth, position slots
 * @input rootIn - state root before; fees - total fees of the batch (< 2^70)
 * @input Ax, Ay, collateral, ordersRoot, posSeries[P], posQty[P], accPath[AD] - account 0
 * @output rootOut - state root after
 * Guarantees: when fees > 0, account 0 exists (a non-empty leaf) and its collateral grows by
 * exactly fees, staying unsigned 64-bit; nothing else in the leaf changes.
 */
template FeeCredit(AD, P) {
    signal input rootIn;
    signal input fees;
    signal input Ax;
    signal input Ay;
    signal input collateral;
    signal input ordersRoot;
    signal input posSeries[P];
    signal input posQty[P];
    signal input accPath[AD];
    signal output rootOut;

    signal noFees <== IsZero()(fees);
    signal enabled <== 1 - noFees;
    signal newCollateral <== collateral + fees;
    RangeCheck64()(newCollateral);
    signal oldLeaf <== AccountLeaf(P)(Ax, Ay, collateral, ordersRoot, posSeries, posQty);
    signal newLeaf <== AccountLeaf(P)(Ax, Ay, newCollateral, ordersRoot, posSeries, posQty);
    rootOut <== LeafUpdate(AD)(enabled, rootIn, 0, oldLeaf, newLeaf, accPath);
}
