pragma circom 2.1.0;

include "account-leaf.circom";
include "comparators.circom";
include "leaf-update.circom";
include "range-check-64.circom";

/*
 * FeeCredit: account 0 (insurance and clearing account) takes the batch's net flow in one
 * leaf update: minus the expiry settlements paid out (a short's settlement is a negative
 * payout, paid in). Fees no longer come in here: they leave the tree through BatchStamp (issue
 * 18 rule 1). Skipped when the net is 0, so most batches need no account 0.
 * @param AD, P - account tree depth (4-ary levels), position slots
 * @input rootIn - state root before; net - minus the settlement flows (signed, |net| < 2^131)
 * @input Ax, Ay, collateral, ordersRoot, posSeries[P], posQty[P], accPath[AD][3] - account 0
 * @output rootOut - state root after
 * Guarantees: when net != 0, account 0 exists (a non-empty leaf) and its collateral changes by
 * exactly net, staying unsigned 64-bit; nothing else in the leaf changes.
 */
template FeeCredit(AD, P) {
    signal input rootIn;
    signal input net;
    signal input Ax;
    signal input Ay;
    signal input collateral;
    signal input ordersRoot;
    signal input posSeries[P];
    signal input posQty[P];
    signal input accPath[AD][3];
    signal output rootOut;

    signal noFlow <== IsZero()(net);
    signal enabled <== 1 - noFlow;
    signal newCollateral <== collateral + net;
    RangeCheck64()(newCollateral);
    signal oldLeaf <== AccountLeaf(P)(Ax, Ay, collateral, ordersRoot, posSeries, posQty);
    signal newLeaf <== AccountLeaf(P)(Ax, Ay, newCollateral, ordersRoot, posSeries, posQty);
    rootOut <== LeafUpdate(AD)(enabled, rootIn, 0, oldLeaf, newLeaf, accPath);
}
