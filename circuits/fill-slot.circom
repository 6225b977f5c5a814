pragma circom 2.1.0;

include "account-route.circom";
include "fill-side.circom";
include "fill-terms.circom";

/*
 * FillSlot: one fill between a buy order (side 0) and a sell order (side 1), each applied to the
 * running state of the account slot it names, buyer first, then seller (a self-trade names one
 * slot twice). The accounts' leaves are written by their AccountSlots after every fill.
 * Running state per account slot, W = 5 + 2P words: accountId, Ax, Ay, ordersRoot, collateral,
 * series[P], qty[P].
 * @param OD, P, DOMAIN - as FillSide; @param M, FEE - as FillTerms; @param A - account slots
 * @input enabled - 1 for a real fill, 0 for an empty slot (boolean, checked here)
 * @input timestamp, price, qty - as FillTerms
 * @input (per side k = 0 buy, 1 sell) the order fields, signature, order slot and posSel of
 *        FillSide as [2] arrays (the account id is the slot's), and side[2] as FillTerms
 * @input sel[2][A] - per side, one-hot: its account slot; @input open[A] - slots in use
 * @input state[A][5 + 2P] - every slot's running state before this fill
 * @input ids[M], status[M], marks[M], expiries[M], deltas[M] - the market table
 * @output stateOut[A][5 + 2P] - every slot's running state after this fill
 * @output accountId[2] - per side, its slot's account (GroupChain)
 * @output filled[2], gGroupId[2], gLegIndex[2], gLegCount[2] - for GroupChain
 * @output fees - 2 * FEE * qty if enabled
 * @output hedging, buying, change, lo, hi, perFill - HedgeRule's inputs but the delta after
 * @output mandateSel[A] - one-hot: the mandate side's account slot (all 0 without a mandate);
 *         the batch reads that slot's delta after all fills, and requires this to be its only
 *         fill so that delta is the one after this fill
 * Guarantees: FillTerms' rules and both FillSides'; notional moves from buyer to seller, qty
 * contracts from seller to buyer and FEE * qty from each to fees, each in its own slot's
 * running state; every other slot is unchanged.
 */
template FillSlot(OD, P, M, A, DOMAIN, FEE) {
    var W = 5 + 2 * P;
    signal input enabled;
    signal input timestamp;
    signal input price;
    signal input qty;
    signal input orderId[2];
    signal input seriesId[2];
    signal input side[2];
    signal input limit[2];
    signal input orderQty[2];
    signal input expiry[2];
    signal input groupId[2];
    signal input legIndex[2];
    signal input legCount[2];
    signal input triggerSeries[2];
    signal input triggerLevel[2];
    signal input triggerDir[2];
    signal input R8x[2];
    signal input R8y[2];
    signal input S8[2];
    signal input slotId[2];
    signal input slotFilled[2];
    signal input slotPath[2][OD \ 2][3];
    signal input posSel[2][P];
    signal input sel[2][A];
    signal input open[A];
    signal input state[A][W];
    signal input ids[M];
    signal input status[M];
    signal input marks[M];
    signal input expiries[M];
    signal input deltas[M];
    signal output stateOut[A][W];
    signal output accountId[2];
    signal output filled[2];
    signal output gGroupId[2];
    signal output gLegIndex[2];
    signal output gLegCount[2];
    signal output fees;
    signal output hedging;
    signal output buying;
    signal output change;
    signal output lo;
    signal output hi;
    signal output perFill;
    signal output mandateSel[A];

    enabled * (enabled - 1) === 0;

    component terms = FillTerms(M, FEE);
    terms.enabled <== enabled;
    terms.timestamp <== timestamp;
    terms.price <== price;
    terms.qty <== qty;
    terms.seriesId <== seriesId;
    terms.side <== side;
    terms.limit <== limit;
    terms.expiry <== expiry;
    terms.groupId <== groupId;
    terms.legIndex <== legIndex;
    terms.legCount <== legCount;
    terms.triggerSeries <== triggerSeries;
    terms.triggerLevel <== triggerLevel;
    terms.triggerDir <== triggerDir;
    terms.ids <== ids;
    terms.status <== status;
    terms.marks <== marks;
    terms.expiries <== expiries;
    terms.deltas <== deltas;
    gGroupId <== terms.gGroupId;
    gLegIndex <== terms.gLegIndex;
    gLegCount <== terms.gLegCount;

    var collateralDelta[2] = [-terms.notional - terms.fee, terms.notional - terms.fee];
    var positionDelta[2] = [qty, -qty];
    signal running[3][A][W];
    running[0] <== state;
    component pick[2];
    component sides[2];
    component put[2];
    for (var k = 0; k < 2; k++) {
        pick[k] = AccountPick(A, W);
        pick[k].enabled <== enabled;
        pick[k].open <== open;
        pick[k].sel <== sel[k];
        pick[k].state <== running[k];
        accountId[k] <== pick[k].picked[0];

        sides[k] = FillSide(OD, P, DOMAIN);
        sides[k].enabled <== enabled;
        sides[k].accountId <== pick[k].picked[0];
        sides[k].Ax <== pick[k].picked[1];
        sides[k].Ay <== pick[k].picked[2];
        sides[k].orderId <== orderId[k];
        sides[k].seriesId <== seriesId[k];
        sides[k].side <== terms.signedSide[k];
        sides[k].limit <== limit[k];
        sides[k].orderQty <== orderQty[k];
        sides[k].expiry <== expiry[k];
        sides[k].groupId <== groupId[k];
        sides[k].legIndex <== legIndex[k];
        sides[k].legCount <== legCount[k];
        sides[k].triggerSeries <== triggerSeries[k];
        sides[k].triggerLevel <== triggerLevel[k];
        sides[k].triggerDir <== triggerDir[k];
        sides[k].R8x <== R8x[k];
        sides[k].R8y <== R8y[k];
        sides[k].S8 <== S8[k];
        sides[k].ordersRoot <== pick[k].picked[3];
        sides[k].collateral <== pick[k].picked[4];
        for (var i = 0; i < P; i++) {
            sides[k].posSeries[i] <== pick[k].picked[5 + i];
            sides[k].posQty[i] <== pick[k].picked[5 + P + i];
        }
        sides[k].slotId <== slotId[k];
        sides[k].slotFilled <== slotFilled[k];
        sides[k].slotPath <== slotPath[k];
        sides[k].posSel <== posSel[k];
        sides[k].fillQty <== qty;
        sides[k].collateralDelta <== collateralDelta[k];
        sides[k].positionDelta <== positionDelta[k];
        filled[k] <== sides[k].filled;

        // the id and key never change: only words 3.. are written back
        put[k] = AccountWrite(A, W - 3);
        put[k].sel <== sel[k];
        for (var a = 0; a < A; a++) {
            for (var w = 0; w < W - 3; w++) {
                put[k].state[a][w] <== running[k][a][3 + w];
            }
        }
        for (var w = 0; w < W - 3; w++) {
            put[k].picked[w] <== pick[k].picked[3 + w];
        }
        put[k].value[0] <== sides[k].outOrdersRoot;
        put[k].value[1] <== sides[k].outCollateral;
        for (var i = 0; i < P; i++) {
            put[k].value[2 + i] <== sides[k].outSeries[i];
            put[k].value[2 + P + i] <== sides[k].outQty[i];
        }
        for (var a = 0; a < A; a++) {
            for (var w = 0; w < 3; w++) {
                running[k + 1][a][w] <== running[k][a][w];
            }
            for (var w = 0; w < W - 3; w++) {
                running[k + 1][a][3 + w] <== put[k].next[a][w];
            }
        }
    }
    stateOut <== running[2];

    fees <== enabled * (2 * terms.fee);
    hedging <== terms.hedging;
    buying <== terms.mandate[0];
    change <== terms.change;
    lo <== terms.lo;
    hi <== terms.hi;
    perFill <== terms.perFill;
    signal mandateOf[2][A];
    for (var a = 0; a < A; a++) {
        mandateOf[0][a] <== terms.mandate[0] * sel[0][a];
        mandateOf[1][a] <== terms.mandate[1] * sel[1][a];
        mandateSel[a] <== mandateOf[0][a] + mandateOf[1][a];
    }
}
