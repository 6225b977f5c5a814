pragma circom 2.1.0;

include "account-leaf.circom";
include "leaf-update.circom";
include "margin-delta.circom";
include "not-operator.circom";
include "range-check-64.circom";

/*
 * AccountSlot: one account's leaf written once for all of its fills in the batch (FillSide,
 * routed by AccountPick and AccountWrite), with the initial margin rule checked on its state
 * after them.
 * @param AD - account tree depth (4-ary levels); @param P, M, S - positions, rows, scenarios
 * @input enabled - 1 for an account with fills in the batch (boolean, checked here)
 * @input touch - 1 to rewrite the leaf of an unused slot with count + 1 and nothing else (cover,
 *        DA_SPEC sec. 2); boolean, touch * enabled == 0
 * @input rootIn - state root before
 * @input accountId, Ax, Ay, collateral, ordersRoot, posSeries[P], posQty[P], enc, count,
 *        accPath[AD][3] - the account's leaf before, and its path
 * @input outCollateral, outOrdersRoot, outSeries[P], outQty[P] - its state after its fills (the
 *        running state the routing ends with; the state before when no fill names the slot)
 * @input ids[M], vim[M][S], deltas[M] - the market table's ids, initial-margin rows and deltas
 * @output rootOut - state root after (rootIn if neither enabled nor touched)
 * @output written - enabled + touch: the leaf was rewritten (a blob record)
 * @output newLeaf, outCount - the leaf written and its write count
 * @output delta - the account's portfolio delta after its fills (for HedgeRule)
 * Guarantees: when written, the leaf before sits at accountId under rootIn and the leaf after
 * (same key and enc, count + 1) replaces it; an enabled account is not account 0, its final
 * collateral is unsigned 64-bit and it passes the initial margin rule afterwards; a slot not
 * enabled keeps collateral, orders and positions as they were (a touch changes only count).
 */
template AccountSlot(AD, P, M, S) {
    signal input enabled;
    signal input touch;
    signal input rootIn;
    signal input accountId;
    signal input Ax;
    signal input Ay;
    signal input collateral;
    signal input ordersRoot;
    signal input posSeries[P];
    signal input posQty[P];
    signal input enc;
    signal input count;
    signal input accPath[AD][3];
    signal input outCollateral;
    signal input outOrdersRoot;
    signal input outSeries[P];
    signal input outQty[P];
    signal input ids[M];
    signal input vim[M][S];
    signal input deltas[M];
    signal output rootOut;
    signal output written;
    signal output newLeaf;
    signal output outCount;
    signal output delta;

    enabled * (enabled - 1) === 0;
    touch * (touch - 1) === 0;
    touch * enabled === 0;
    written <== enabled + touch;
    NotOperator()(enabled, accountId);

    // an unused or touched slot has no fills: its state after is its state before
    (1 - enabled) * (outCollateral - collateral) === 0;
    (1 - enabled) * (outOrdersRoot - ordersRoot) === 0;
    for (var i = 0; i < P; i++) {
        (1 - enabled) * (outSeries[i] - posSeries[i]) === 0;
        (1 - enabled) * (outQty[i] - posQty[i]) === 0;
    }
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
    margin.series <== outSeries;
    margin.qty <== outQty;
    margin.ids <== ids;
    margin.V <== vim;
    margin.deltas <== deltas;
    delta <== margin.delta;
}
