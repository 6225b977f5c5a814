pragma circom 2.1.0;

include "bitify.circom";
include "comparators.circom";
include "signed-range-64.circom";

/*
 * TriggerHolds: a triggered order fills only in a batch whose market table satisfies its
 * trigger (docs/CONVENTIONS.md, "Triggers").
 * @param M - table series
 * @input enabled - 1 for a real fill (boolean, checked by the caller)
 * @input triggerSeries, triggerLevel, triggerDir - the signed trigger: dir 0 none, 1 fire
 *        when the series' mark is at or above the level, 2 at or below, 3 a hedge mandate (no
 *        trigger: HedgeRule); level signed 64-bit
 * @input ids[M], marks[M] - the table's series ids (distinct: MarketIds) and marks (signed
 *        64-bit: MarketRanges)
 * @output mandate - 1 when dir is 3
 * Guarantees: triggerDir is 0 to 3 and triggerLevel signed 64-bit (any order); when enabled
 * and dir is 1 or 2: triggerSeries is not 0, is listed in the table, and its mark is >= level
 * (dir 1) or <= level (dir 2).
 */
template TriggerHolds(M) {
    signal input enabled;
    signal input triggerSeries;
    signal input triggerLevel;
    signal input triggerDir;
    signal input ids[M];
    signal input marks[M];
    signal output mandate;

    signal dir[2] <== Num2Bits(2)(triggerDir);
    mandate <== dir[0] * dir[1];
    SignedRange64()(triggerLevel);

    signal hit[M];
    signal part[M];
    var found = 0;
    var mark = 0;
    for (var j = 0; j < M; j++) {
        hit[j] <== IsEqual()([triggerSeries, ids[j]]);
        part[j] <== hit[j] * marks[j];
        found += hit[j];
        mark += part[j];
    }
    signal armed <== enabled * (dir[0] + dir[1] - 2 * mandate);
    armed * (found - 1) === 0;
    signal none <== IsZero()(triggerSeries);
    armed * none === 0;  // padding rows carry id 0

    // both sides shifted by 2^63 into [0, 2^64): a signed comparison as an unsigned one
    signal below <== LessThan(64)([mark + (1 << 63), triggerLevel + (1 << 63)]);
    signal above <== LessThan(64)([triggerLevel + (1 << 63), mark + (1 << 63)]);
    signal wantsAbove <== enabled * (dir[0] - mandate);
    wantsAbove * below === 0;
    signal wantsBelow <== enabled * (dir[1] - mandate);
    wantsBelow * above === 0;
}
