pragma circom 2.1.0;

include "comparators.circom";

/*
 * SeriesLookup: a traded series is listed once in the market table and live.
 * @param M - table series
 * @input enabled - 1 to enforce (boolean, checked by the caller)
 * @input seriesId - the series
 * @input ids[M], status[M], marks[M], expiries[M], deltas[M] - the table's ids, status (0 live,
 *        1 expired), marks, expiries and deltas
 * @output mark, expiry, delta - the series' mark, expiry and delta (0 when not found and
 *         disabled)
 * Guarantees (when enabled): seriesId != 0 and exactly one live row (status 0) has
 * ids[j] == seriesId; mark (expiry, delta) is the sum of the marks (...) of rows with that id
 * (the row's).
 * NOTE: takes status to be 0 or 1 and the ids distinct: Batch checks both once per batch
 * (MarketStatus, MarketIds); compiled alone, nothing here checks them.
 */
template SeriesLookup(M) {
    signal input enabled;
    signal input seriesId;
    signal input ids[M];
    signal input status[M];
    signal input marks[M];
    signal input expiries[M];
    signal input deltas[M];
    signal output mark;
    signal output expiry;
    signal output delta;

    signal hit[M];
    signal liveHit[M];
    signal markPart[M];
    signal expiryPart[M];
    signal deltaPart[M];
    var live = 0;
    var slope = 0;
    var value = 0;
    var when = 0;
    for (var j = 0; j < M; j++) {
        hit[j] <== IsEqual()([seriesId, ids[j]]);
        liveHit[j] <== hit[j] * (1 - status[j]);
        markPart[j] <== hit[j] * marks[j];
        live += liveHit[j];
        value += markPart[j];
        expiryPart[j] <== hit[j] * expiries[j];
        when += expiryPart[j];
        deltaPart[j] <== hit[j] * deltas[j];
        slope += deltaPart[j];
    }
    enabled * (live - 1) === 0;
    signal noSeries <== IsZero()(seriesId);
    enabled * noSeries === 0;
    mark <== value;
    expiry <== when;
    delta <== slope;
}
