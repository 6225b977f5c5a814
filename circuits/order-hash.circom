pragma circom 2.1.0;

include "poseidon.circom";
include "range-check-64.circom";

/*
 * OrderHash: the hash a desk signs for an order (docs/CONVENTIONS.md, "Order").
 * out = Poseidon([1, domain, accountId, orderId, seriesId, side, price, qty, expiry, groupId,
 *                 legIndex, legCount, triggerSeries, triggerLevel, triggerDir])
 * @input domain - field; Poseidon([chainId, settlementAddress]) of this deployment
 * @input accountId, orderId, seriesId, price, qty, expiry - the order's unsigned 64-bit fields
 * @input side - 0 = buy, 1 = sell
 * @input groupId, legIndex, legCount - the order's atomic group (all 0 for a single order)
 * @input triggerSeries, triggerLevel, triggerDir - the order's trigger (all 0 for none)
 * @output out - field; the order hash
 * Guarantees: price, qty and expiry (the fields that reach 64-bit comparators) are range-checked
 * to 64 bits and side is boolean.
 * NOTE: accountId, orderId and seriesId are not range-checked here: the batch bounds them where
 * they are used (LeafUpdate takes the account id's 2 * AD bits, OrderSlotUpdate the order id's 64,
 * SeriesLookup matches the series with a table id); the group fields are GroupChain's, the
 * trigger fields TriggerHolds'. Does not
 * check qty > 0 (Fill requires 0 < fillQty <= qty), nor the signature.
 */
template OrderHash() {
    signal input domain;
    signal input accountId;
    signal input orderId;
    signal input seriesId;
    signal input side;
    signal input price;
    signal input qty;
    signal input expiry;
    signal input groupId;
    signal input legIndex;
    signal input legCount;
    signal input triggerSeries;
    signal input triggerLevel;
    signal input triggerDir;
    signal output out;

    RangeCheck64()(price);
    RangeCheck64()(qty);
    RangeCheck64()(expiry);
    side * (side - 1) === 0;

    out <== Poseidon(15)([1, domain, accountId, orderId, seriesId, side, price, qty, expiry,
                          groupId, legIndex, legCount, triggerSeries, triggerLevel, triggerDir]);
}
