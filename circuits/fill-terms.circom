pragma circom 2.1.0;

include "before-expiry.circom";
include "fill.circom";
include "series-lookup.circom";
include "trigger-holds.circom";

/*
 * FillTerms: the rules of one fill between a buy order (side 0) and a sell order (side 1) that
 * need no account: the series is live and unexpired, each side's trigger holds, a hedge mandate
 * trades against an order at its mark-relative limit, and the price and quantity fit (Fill).
 * @param M - table rows; @param FEE - fee per contract per side
 * @input enabled - 1 for a real fill (boolean, checked by the caller)
 * @input timestamp - batch timestamp (range-checked by the batch)
 * @input price, qty - the fill
 * @input seriesId[2], side[2], limit[2], expiry[2], groupId[2], legIndex[2], legCount[2],
 *        triggerSeries[2], triggerLevel[2], triggerDir[2] - the two orders' fields
 * @input ids[M], status[M], marks[M], expiries[M], deltas[M] - the market table
 * @output mandate[2] - 1 on a side whose triggerDir is 3 (a hedge mandate)
 * @output signedSide[2] - the side each order signed (a mandate signs side 0)
 * @output gGroupId[2], gLegIndex[2], gLegCount[2] - the group fields GroupChain reads (0 on a
 *         mandate side, whose group fields carry its band)
 * @output notional, fee - price * qty and FEE * qty (Fill)
 * @output hedging - enabled and one side is a mandate
 * @output change - the mandate account's delta change: +qty (buying) or -qty (selling) times the
 *         series' delta; @output lo, hi, perFill - the mandate's band and per-fill limit
 * Guarantees: the Fill rules, the series is live in the table and the batch is before its
 * expiry (BeforeExpiry), each side's trigger holds in the table (TriggerHolds), at most one
 * side is a mandate, and a mandate's limit is the series' mark plus (buying) or minus (selling)
 * its price field. What HedgeRule needs besides the account's delta after the fill is output.
 */
template FillTerms(M, FEE) {
    signal input enabled;
    signal input timestamp;
    signal input price;
    signal input qty;
    signal input seriesId[2];
    signal input side[2];
    signal input limit[2];
    signal input expiry[2];
    signal input groupId[2];
    signal input legIndex[2];
    signal input legCount[2];
    signal input triggerSeries[2];
    signal input triggerLevel[2];
    signal input triggerDir[2];
    signal input ids[M];
    signal input status[M];
    signal input marks[M];
    signal input expiries[M];
    signal input deltas[M];
    signal output mandate[2];
    signal output signedSide[2];
    signal output gGroupId[2];
    signal output gLegIndex[2];
    signal output gLegCount[2];
    signal output notional;
    signal output fee;
    signal output hedging;
    signal output change;
    signal output lo;
    signal output hi;
    signal output perFill;

    component lookup = SeriesLookup(M);
    lookup.enabled <== enabled;
    lookup.seriesId <== seriesId[0];
    lookup.ids <== ids;
    lookup.status <== status;
    lookup.marks <== marks;
    lookup.expiries <== expiries;
    lookup.deltas <== deltas;
    signal seriesMark <== lookup.mark;
    BeforeExpiry()(enabled, timestamp, lookup.expiry);

    for (var k = 0; k < 2; k++) {
        mandate[k] <== TriggerHolds(M)(enabled, triggerSeries[k], triggerLevel[k],
                                       triggerDir[k], ids, marks);
        gGroupId[k] <== groupId[k] * (1 - mandate[k]);
        gLegIndex[k] <== legIndex[k] * (1 - mandate[k]);
        gLegCount[k] <== legCount[k] * (1 - mandate[k]);
        signedSide[k] <== side[k] * (1 - mandate[k]);
    }
    mandate[0] * mandate[1] === 0;  // a hedge trades against an order
    // a mandate's limit is relative to the mark: mark + price buying, mark - price selling
    signal buyMark <== mandate[0] * seriesMark;
    signal sellMark <== mandate[1] * (seriesMark - 2 * limit[1]);

    component fill = Fill(FEE);
    fill.buySeries <== seriesId[0];
    fill.buySide <== side[0];
    fill.buyPrice <== limit[0] + buyMark;
    fill.buyExpiry <== expiry[0];
    fill.sellSeries <== seriesId[1];
    fill.sellSide <== side[1];
    fill.sellPrice <== limit[1] + sellMark;
    fill.sellExpiry <== expiry[1];
    fill.price <== price;
    fill.qty <== qty;
    fill.timestamp <== timestamp;
    notional <== fill.notional;
    fee <== fill.fee;

    hedging <== enabled * (mandate[0] + mandate[1]);
    signal moved <== qty * lookup.delta;
    change <== moved - 2 * mandate[1] * moved;
    lo <== groupId[0] + mandate[1] * (groupId[1] - groupId[0]);
    hi <== legIndex[0] + mandate[1] * (legIndex[1] - legIndex[0]);
    perFill <== legCount[0] + mandate[1] * (legCount[1] - legCount[0]);
}
