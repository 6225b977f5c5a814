pragma circom 2.1.0;

include "comparators.circom";
include "range-check-64.circom";

/*
 * Fill: the price/quantity/time rules of one fill between a buy and a sell order.
 * @param FEE - fee per contract charged to each side (collateral base units)
 * @input buySeries, buySide, buyPrice, buyExpiry - the buy order (range-checked by OrderHash)
 * @input sellSeries, sellSide, sellPrice, sellExpiry - the sell order
 * @input price - unsigned 64-bit fill price per contract
 * @input qty - unsigned 64-bit fill quantity
 * @input timestamp - batch timestamp (range-checked once by the batch)
 * @output notional - price * qty (< 2^128), collateral moved from buyer to seller
 * @output fee - FEE * qty, charged to each side
 * Guarantees: same series; buy side 0 and sell side 1; sellPrice <= price <= buyPrice;
 * qty >= 1; timestamp <= each order's expiry (an order is live through its expiry second).
 * NOTE: does not check the remaining quantity (OrderSlotUpdate does: filled' <= order qty),
 * nor that the series is live in the market table (SeriesLookup does).
 */
template Fill(FEE) {
    signal input buySeries;
    signal input buySide;
    signal input buyPrice;
    signal input buyExpiry;
    signal input sellSeries;
    signal input sellSide;
    signal input sellPrice;
    signal input sellExpiry;
    signal input price;
    signal input qty;
    signal input timestamp;
    signal output notional;
    signal output fee;

    RangeCheck64()(price);
    RangeCheck64()(qty);

    buySeries === sellSeries;
    buySide === 0;
    sellSide === 1;
    signal belowBuyLimit <== LessEqThan(64)([price, buyPrice]);
    belowBuyLimit === 1;
    signal aboveSellLimit <== LessEqThan(64)([sellPrice, price]);
    aboveSellLimit === 1;
    signal noQty <== IsZero()(qty);
    noQty === 0;
    signal buyLive <== LessEqThan(64)([timestamp, buyExpiry]);
    buyLive === 1;
    signal sellLive <== LessEqThan(64)([timestamp, sellExpiry]);
    sellLive === 1;

    notional <== price * qty;
    fee <== FEE * qty;
}
