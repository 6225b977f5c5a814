pragma circom 2.1.0;

include "comparators.circom";
include "bitify.circom";

/*
 * MarketIds: the table's series ids are distinct (docs/risk.md, "Oracle promises"): series rows
 * first, ids in [1, 2^29) strictly ascending (DA_SPEC sec. 1: a series id packs into 29 bits of
 * the blob's ciphertext words), then padding rows (id 0) up to M.
 * @param M - table rows (>= 2)
 * @input ids[M] - the table's series ids, field elements
 * Guarantees: for some k in [0, M]: ids[0..k-1] are integers with 1 <= ids[0] < ... < ids[k-1]
 * < 2^29 and ids[k..M-1] are 0. So a non-zero series id matches at most one row (SeriesLookup,
 * ScenarioEquity, SettleSlot select it without ambiguity).
 * How: padding[j] = (ids[j] == 0); a padding row is followed by padding rows; for a series row
 * j >= 1, step = ids[j] - ids[j-1] has step - 1 in [0, 2^29); ids[0] and ids[0] + (sum of the
 * steps) = the last series id are in [0, 2^29). The steps are integers in [1, 2^29], their
 * partial sums stay far below p, so every series id lies between ids[0] and the last one.
 * Cost: about 33 M constraints.
 * NOTE: the rows' other fields are not looked at (MarketPadding, MarketStatus, MarketRanges).
 */
template MarketIds(M) {
    signal input ids[M];

    signal padding[M];
    for (var j = 0; j < M; j++) {
        padding[j] <== IsZero()(ids[j]);
    }

    signal step[M - 1];
    var last = ids[0];
    for (var j = 1; j < M; j++) {
        // padding rows only after the series
        padding[j - 1] * (1 - padding[j]) === 0;
        // a series row's id is above the one before it: step - 1 in [0, 2^29)
        step[j - 1] <== (1 - padding[j]) * (ids[j] - ids[j - 1]);
        _ <== Num2Bits(29)(step[j - 1] - (1 - padding[j]));
        last += step[j - 1];
    }
    _ <== Num2Bits(29)(ids[0]);
    _ <== Num2Bits(29)(last);
}
