pragma circom 2.1.0;

include "account-leaf.circom";
include "bitify.circom";
include "comparators.circom";
include "leaf-update.circom";
include "margin.circom";
include "position-add.circom";
include "range-check-64.circom";
include "scenario-equity.circom";

/*
 * LiquidationSlot: an account that fails the maintenance rule hands all its positions to the
 * liquidator, account 0 (the operator's insurance fund), at mark minus a penalty.
 * For each of the account's slots (x, q): the liquidator's position in x grows by q and the
 * account's collateral grows by q * mark[x] - |q| * PENALTY (a long sells below mark, a short
 * buys back above it); the liquidator's collateral moves by the opposite amount.
 * @param AD, P, M, S - account depth (4-ary levels) and sizes
 * @param PENALTY - per contract, collateral base units
 * @input enabled - 1 for a real liquidation (boolean, checked here)
 * @input rootIn - state root before
 * @input accountId - the liquidated account (not 0)
 * @input scenarioSel[S] - one-hot: the scenario in which the account fails maintenance
 * @input Ax, Ay, collateral, ordersRoot, posSeries[P], posQty[P], accPath[AD][3] - its leaf before
 * @input lAx, lAy, lCollateral, lOrdersRoot, lPosSeries[P], lPosQty[P], lAccPath[AD][3] - account 0
 *        before (its path taken after the liquidated account's update)
 * @input lSel[P][P] - for each of the account's slots, the liquidator's slot receiving it
 *        (one-hot; all zero for an empty slot)
 * @input ids[M], marks[M], vim[M][S], vmm[M][S] - the market table
 * @input enc, count, lEnc, lCount - ECDH x-coordinate and write count of both leaves before
 * @output rootOut - state root after
 * @output written - enabled: both leaves are rewritten (count + 1), two blob records
 * @output newLeaf, outCollateral, outOrdersRoot, outSeries[P], outQty[P], outCount - the
 *         account's record; lNewLeaf, lOutCollateral, lOutSeries[P], lOutQty[P], lOutCount -
 *         account 0's (its orders root stays lOrdersRoot)
 * Guarantees (when enabled): collateral + sum qty * Vmm[s] < 0 in the named scenario; the account
 * ends with no positions and unsigned 64-bit collateral; the liquidator receives exactly the
 * positions, each in the slot already holding its series else an empty one (PositionAdd: one
 * slot per series, so the penalty |q| per slot is charged on net quantities), and passes the
 * initial rule afterwards; collateral is conserved.
 * NOTE: an account whose collateral cannot cover the transfer at mark (bad debt) cannot be
 * liquidated by this slot.
 */
template LiquidationSlot(AD, P, M, S, PENALTY) {
    signal input enabled;
    signal input rootIn;
    signal input accountId;
    signal input scenarioSel[S];
    signal input Ax;
    signal input Ay;
    signal input collateral;
    signal input ordersRoot;
    signal input posSeries[P];
    signal input posQty[P];
    signal input accPath[AD][3];
    signal input lAx;
    signal input lAy;
    signal input lCollateral;
    signal input lOrdersRoot;
    signal input lPosSeries[P];
    signal input lPosQty[P];
    signal input lAccPath[AD][3];
    signal input lSel[P][P];
    signal input ids[M];
    signal input marks[M];
    signal input vim[M][S];
    signal input vmm[M][S];
    signal input enc;
    signal input count;
    signal input lEnc;
    signal input lCount;
    signal output rootOut;
    signal output written;
    signal output newLeaf;
    signal output outCollateral;
    signal output outOrdersRoot;
    signal output outSeries[P];
    signal output outQty[P];
    signal output outCount;
    signal output lNewLeaf;
    signal output lOutCollateral;
    signal output lOutSeries[P];
    signal output lOutQty[P];
    signal output lOutCount;

    enabled * (enabled - 1) === 0;
    written <== enabled;
    signal isFeeAccount <== IsZero()(accountId);
    enabled * isFeeAccount === 0;

    // the account fails maintenance in the named scenario: equity <= -1
    signal equity[S] <== ScenarioEquity(P, M, S)(enabled, collateral, posSeries, posQty, ids, vmm);
    var selSum = 0;
    var chosen = 0;
    signal chosenPart[S];
    for (var s = 0; s < S; s++) {
        scenarioSel[s] * (scenarioSel[s] - 1) === 0;
        selSum += scenarioSel[s];
        chosenPart[s] <== scenarioSel[s] * equity[s];
        chosen += chosenPart[s];
    }
    selSum === 1;
    signal deficit <== enabled * (-chosen - 1);
    component failsMaintenance = Num2Bits(equityBits(P));
    failsMaintenance.in <== deficit;

    // cash for each slot at mark minus the penalty
    signal hit[P][M];
    signal markPart[P][M];
    signal markValue[P];
    signal absQty[P];
    signal cashPart[P];
    component sign[P];
    var cash = 0;
    for (var i = 0; i < P; i++) {
        var m = 0;
        for (var j = 0; j < M; j++) {
            hit[i][j] <== IsEqual()([posSeries[i], ids[j]]);
            markPart[i][j] <== hit[i][j] * marks[j];
            m += markPart[i][j];
        }
        markValue[i] <== m;
        sign[i] = Num2Bits(64);
        sign[i].in <== posQty[i] + (1 << 63);  // bit 63 set iff qty >= 0
        absQty[i] <== posQty[i] * (2 * sign[i].out[63] - 1);
        cashPart[i] <== posQty[i] * markValue[i];
        cash += cashPart[i] - absQty[i] * PENALTY;
    }
    signal newCollateral <== collateral + cash;
    RangeCheck64()(newCollateral);
    var empty[P];
    for (var i = 0; i < P; i++) {
        empty[i] = 0;
    }
    outCollateral <== newCollateral;
    outOrdersRoot <== ordersRoot;
    outSeries <== empty;
    outQty <== empty;
    outCount <== count + 1;
    signal oldLeaf <== AccountLeaf(P)(Ax, Ay, collateral, ordersRoot, posSeries, posQty, enc,
                                      count);
    newLeaf <== AccountLeaf(P)(Ax, Ay, newCollateral, ordersRoot, empty, empty, enc, outCount);
    signal rootMid <== LeafUpdate(AD)(enabled, rootIn, accountId, oldLeaf, newLeaf, accPath);

    // the liquidator takes every position
    component take[P];
    signal noQty[P];
    for (var i = 0; i < P; i++) {
        take[i] = PositionAdd(P);
        noQty[i] <== IsZero()(posQty[i]);
        take[i].active <== 1 - noQty[i];
        if (i == 0) {
            take[i].series <== lPosSeries;
            take[i].qty <== lPosQty;
        } else {
            take[i].series <== take[i - 1].newSeries;
            take[i].qty <== take[i - 1].newQty;
        }
        take[i].sel <== lSel[i];
        take[i].seriesId <== posSeries[i];
        take[i].delta <== posQty[i];
    }
    signal lNewCollateral <== lCollateral - cash;
    RangeCheck64()(lNewCollateral);
    component margin = Margin(P, M, S);
    margin.enabled <== enabled;
    margin.collateral <== lNewCollateral;
    margin.series <== take[P - 1].newSeries;
    margin.qty <== take[P - 1].newQty;
    margin.ids <== ids;
    margin.V <== vim;

    lOutCollateral <== lNewCollateral;
    lOutSeries <== take[P - 1].newSeries;
    lOutQty <== take[P - 1].newQty;
    lOutCount <== lCount + 1;
    signal lOldLeaf <== AccountLeaf(P)(lAx, lAy, lCollateral, lOrdersRoot, lPosSeries, lPosQty,
                                       lEnc, lCount);
    lNewLeaf <== AccountLeaf(P)(lAx, lAy, lNewCollateral, lOrdersRoot, take[P - 1].newSeries,
                                take[P - 1].newQty, lEnc, lOutCount);
    rootOut <== LeafUpdate(AD)(enabled, rootMid, 0, lOldLeaf, lNewLeaf, lAccPath);
}
