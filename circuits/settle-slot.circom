pragma circom 2.1.0;

include "account-leaf.circom";
include "comparators.circom";
include "leaf-update.circom";
include "range-check-64.circom";

/*
 * SettleSlot: expiry settlement of one position slot at the oracle's settlement value.
 * The position (x, q) in the chosen slot is removed and the account's collateral moves by
 * q * settlement[x] (a long receives, a short pays). The counterpart is account 0, the clearing
 * account: the batch subtracts every flow from it at the end (FeeCredit), so collateral is
 * conserved across the batch.
 * @param AD, P, M - account tree depth (4-ary levels), position slots, table rows
 * @input enabled - 1 for a real settlement (boolean, checked here)
 * @input rootIn - state root before
 * @input accountId - the account settled
 * @input sel[P] - one-hot: the slot to settle
 * @input Ax, Ay, collateral, ordersRoot, posSeries[P], posQty[P], accPath[AD][3] - leaf before
 * @input ids[M], status[M], settlement[M] - the market table
 * @input enc, count - the leaf's ECDH x-coordinate and write count before
 * @input touch - 1 to rewrite the leaf of a disabled slot with count + 1 and nothing else
 *        (cover, DA_SPEC sec. 2); boolean, touch * enabled == 0
 * @output written, newLeaf, outCollateral, outOrdersRoot, outSeries[P], outQty[P], outCount -
 *         the blob record (written = enabled + touch)
 * @output rootOut - state root after; @output flow - q * settlement paid to the account (0 if
 *         disabled), signed
 * Guarantees (when enabled): the slot is non-empty, its series is listed exactly once as expired
 * (status 1); the slot becomes (0, 0); the new collateral is unsigned 64-bit.
 */
template SettleSlot(AD, P, M) {
    signal input enabled;
    signal input rootIn;
    signal input accountId;
    signal input sel[P];
    signal input Ax;
    signal input Ay;
    signal input collateral;
    signal input ordersRoot;
    signal input posSeries[P];
    signal input posQty[P];
    signal input accPath[AD][3];
    signal input ids[M];
    signal input status[M];
    signal input settlement[M];
    signal input enc;
    signal input count;
    signal input touch;
    signal output rootOut;
    signal output flow;
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
    var selSum = 0;
    var series = 0;
    var qty = 0;
    signal pickSeries[P];
    signal pickQty[P];
    for (var i = 0; i < P; i++) {
        sel[i] * (sel[i] - 1) === 0;
        selSum += sel[i];
        pickSeries[i] <== sel[i] * posSeries[i];
        pickQty[i] <== sel[i] * posQty[i];
        series += pickSeries[i];
        qty += pickQty[i];
    }
    selSum === 1;

    signal noSeries <== IsZero()(series);
    enabled * noSeries === 0;
    signal hit[M];
    signal expiredHit[M];
    signal valuePart[M];
    var expired = 0;
    var value = 0;
    for (var j = 0; j < M; j++) {
        hit[j] <== IsEqual()([series, ids[j]]);
        expiredHit[j] <== hit[j] * status[j];
        valuePart[j] <== expiredHit[j] * settlement[j];
        expired += expiredHit[j];
        value += valuePart[j];
    }
    enabled * (expired - 1) === 0;

    signal gain <== qty * value;
    flow <== enabled * gain;
    // a touch keeps every field but count
    outCollateral <== collateral + flow;
    RangeCheck64()(outCollateral);
    outOrdersRoot <== ordersRoot;
    for (var i = 0; i < P; i++) {
        outSeries[i] <== posSeries[i] - enabled * pickSeries[i];
        outQty[i] <== posQty[i] - enabled * pickQty[i];
    }
    outCount <== count + 1;

    // a Poseidon preimage of 0 is unknown, so a proven oldLeaf is a non-empty leaf
    signal oldLeaf <== AccountLeaf(P)(Ax, Ay, collateral, ordersRoot, posSeries, posQty, enc,
                                      count);
    newLeaf <== AccountLeaf(P)(Ax, Ay, outCollateral, outOrdersRoot, outSeries, outQty, enc,
                               outCount);
    rootOut <== LeafUpdate(AD)(written, rootIn, accountId, oldLeaf, newLeaf, accPath);
}
