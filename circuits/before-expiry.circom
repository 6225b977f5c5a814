pragma circom 2.1.0;

include "comparators.circom";

/*
 * BeforeExpiry: a fill happens strictly before its series' own expiry (issue 18 rule 2), so a
 * batch stamped after it cannot trade the series, whatever table it names and whatever the
 * orders' own expiries (a lagging clock or an old table cannot reopen an expired series).
 * @input enabled - 1 to enforce (boolean, checked by the caller)
 * @input timestamp - the batch time (unsigned 64-bit, checked by the batch)
 * @input expiry - the series' expiry from the table (unsigned 64-bit, MarketRanges)
 * Guarantees (when enabled): timestamp < expiry.
 */
template BeforeExpiry() {
    signal input enabled;
    signal input timestamp;
    signal input expiry;

    signal before <== LessThan(64)([timestamp, expiry]);
    enabled * (1 - before) === 0;
}
