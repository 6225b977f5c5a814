pragma circom 2.1.0;

include "account-leaf.circom";
include "leaf-update.circom";
include "range-check-64.circom";

/*
 * FeeCredit: account 0 (insurance and clearing account) takes the batch's net flow in one
 * leaf update: minus the expiry settlements paid out (a short's settlement is a negative
 * payout, paid in). Fees no longer come in here: they leave the tree through BatchStamp (issue
 * 18 rule 1). ALWAYS writes account 0 (count + 1, even when net = 0; DA_SPEC sec. 2): account
 * 0's leaf is proven every batch (its key binds opSecret, OperatorKey), and every batch changes
 * the root, so oldRoot is a unique nonce for the blob's pads.
 * @param AD, P - account tree depth (4-ary levels), position slots
 * @input rootIn - state root before; net - minus the settlement flows (signed, |net| < 2^131)
 * @input Ax, Ay, collateral, ordersRoot, posSeries[P], posQty[P], enc, count, accPath[AD][3] -
 *        account 0's leaf before and its path
 * @output rootOut - state root after
 * @output newLeaf, outCollateral, outCount - the blob record (the other fields are unchanged)
 * Guarantees: account 0 exists (a proven Poseidon leaf is non-empty), its collateral changes by
 * exactly net, staying unsigned 64-bit, and its count by 1; nothing else in the leaf changes.
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
    signal input enc;
    signal input count;
    signal input accPath[AD][3];
    signal output rootOut;
    signal output newLeaf;
    signal output outCollateral;
    signal output outCount;

    outCollateral <== collateral + net;
    RangeCheck64()(outCollateral);
    outCount <== count + 1;
    signal oldLeaf <== AccountLeaf(P)(Ax, Ay, collateral, ordersRoot, posSeries, posQty, enc,
                                      count);
    newLeaf <== AccountLeaf(P)(Ax, Ay, outCollateral, ordersRoot, posSeries, posQty, enc,
                               outCount);
    rootOut <== LeafUpdate(AD)(1, rootIn, 0, oldLeaf, newLeaf, accPath);
}
