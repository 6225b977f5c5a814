pragma circom 2.1.0;

include "fill-terms.circom";
include "hedge-rule.circom";
include "not-operator.circom";
include "trade-side.circom";

/*
 * TradeSlot: one fill between a buy order (side 0) and a sell order (side 1) of two accounts
 * (possibly the same one), applied buyer first, then seller.
 * @param AD, OD, P, M, S, DOMAIN - as TradeSide; @param FEE - fee per contract per side
 * @input enabled - 1 for a real fill, 0 for an empty slot (boolean, checked here)
 * @input rootIn - state root before
 * @input timestamp - batch timestamp (range-checked by the batch)
 * @input price, qty - the fill
 * @input (per side k = 0 buy, 1 sell) the TradeSide inputs as [2] arrays
 * @input ids[M], status[M], marks[M], expiries[M], vim[M][S], deltas[M] - the market table
 * @input enc[2], count[2], touch[2] - per side, as TradeSide (a disabled slot's sides may touch)
 * @output written[2], newLeaf[2], outCollateral[2], outOrdersRoot[2], outSeries[2][P],
 *         outQty[2][P], outCount[2] - per side, the blob record (TradeSide)
 * @output rootOut - state root after; @output fees - fees collected (2 * FEE * qty if enabled)
 * @output filled[2] - per side, the order's filled quantity after the fill (GroupChain)
 * @output gGroupId[2], gLegIndex[2], gLegCount[2] - per side, the group fields GroupChain reads
 *         (0 on a mandate side, whose group fields carry its band)
 * Guarantees: FillTerms' rules (Fill, the series live and unexpired, triggers, a mandate's
 * mark-relative limit), neither party is account 0 (NotOperator), and both TradeSides. A side
 * whose triggerDir is 3 is a hedge mandate (at most one per fill): it signs side 0 and takes the
 * side it sits on, its limit is the series' mark plus (buying) or minus (selling) its price
 * field, and the fill is a hedge (HedgeRule: band lo, hi and the per-fill limit in its groupId,
 * legIndex, legCount). Notional
 * moves from buyer to seller, qty contracts from seller to buyer, FEE * qty from each to fees.
 */
template TradeSlot(AD, OD, P, M, S, DOMAIN, FEE) {
    signal input enabled;
    signal input rootIn;
    signal input timestamp;
    signal input price;
    signal input qty;
    signal input accountId[2];
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
    signal input Ax[2];
    signal input Ay[2];
    signal input collateral[2];
    signal input ordersRoot[2];
    signal input posSeries[2][P];
    signal input posQty[2][P];
    signal input accPath[2][AD][3];
    signal input slotId[2];
    signal input slotFilled[2];
    signal input slotPath[2][OD \ 2][3];
    signal input posSel[2][P];
    signal input ids[M];
    signal input status[M];
    signal input marks[M];
    signal input expiries[M];
    signal input vim[M][S];
    signal input deltas[M];
    signal input enc[2];
    signal input count[2];
    signal input touch[2];
    signal output rootOut;
    signal output fees;
    signal output written[2];
    signal output newLeaf[2];
    signal output outCollateral[2];
    signal output outOrdersRoot[2];
    signal output outSeries[2][P];
    signal output outQty[2][P];
    signal output outCount[2];
    signal output filled[2];
    signal output gGroupId[2];
    signal output gLegIndex[2];
    signal output gLegCount[2];

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
    signal mandate[2] <== terms.mandate;

    var collateralDelta[2] = [-terms.notional - terms.fee, terms.notional - terms.fee];
    var positionDelta[2] = [qty, -qty];
    component sides[2];
    signal root[3];
    root[0] <== rootIn;
    for (var k = 0; k < 2; k++) {
        NotOperator()(enabled, accountId[k]);
        sides[k] = TradeSide(AD, OD, P, M, S, DOMAIN);
        sides[k].enabled <== enabled;
        sides[k].rootIn <== root[k];
        sides[k].accountId <== accountId[k];
        sides[k].orderId <== orderId[k];
        sides[k].seriesId <== seriesId[k];
        sides[k].side <== terms.signedSide[k];  // a mandate signs side 0
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
        sides[k].Ax <== Ax[k];
        sides[k].Ay <== Ay[k];
        sides[k].collateral <== collateral[k];
        sides[k].ordersRoot <== ordersRoot[k];
        sides[k].posSeries <== posSeries[k];
        sides[k].posQty <== posQty[k];
        sides[k].accPath <== accPath[k];
        sides[k].slotId <== slotId[k];
        sides[k].slotFilled <== slotFilled[k];
        sides[k].slotPath <== slotPath[k];
        sides[k].posSel <== posSel[k];
        sides[k].fillQty <== qty;
        sides[k].collateralDelta <== collateralDelta[k];
        sides[k].positionDelta <== positionDelta[k];
        sides[k].ids <== ids;
        sides[k].vim <== vim;
        sides[k].deltas <== deltas;
        sides[k].enc <== enc[k];
        sides[k].count <== count[k];
        sides[k].touch <== touch[k];
        root[k + 1] <== sides[k].rootOut;
        written[k] <== sides[k].written;
        newLeaf[k] <== sides[k].newLeaf;
        outCollateral[k] <== sides[k].outCollateral;
        outOrdersRoot[k] <== sides[k].outOrdersRoot;
        outSeries[k] <== sides[k].outSeries;
        outQty[k] <== sides[k].outQty;
        outCount[k] <== sides[k].outCount;
        filled[k] <== sides[k].filled;
    }
    rootOut <== root[2];

    // the mandate account's delta after the fill
    signal after <== sides[0].delta + mandate[1] * (sides[1].delta - sides[0].delta);
    HedgeRule(P)(terms.hedging, mandate[0], after, terms.change, terms.lo, terms.hi,
                 terms.perFill, qty);
    fees <== enabled * (2 * terms.fee);
}
