pragma circom 2.1.0;

include "comparators.circom";
include "signed-range-64.circom";

/*
 * PositionAdd: add a signed quantity of one series to an account's position slots.
 * The prover names the slot with a one-hot selector.
 * @param P - position slots
 * @input series[P], qty[P] - the slots before (qty signed, v mod p)
 * @input active - 1 to add (sel one-hot), 0 for nothing (sel all zero, delta 0); boolean,
 *        checked by the caller
 * @input sel[P] - one-hot selector of the slot to change
 * @input seriesId - the series added (non-zero when active, checked here; the caller checks it
 *        is in the table)
 * @input delta - signed quantity to add (|delta| < 2^64)
 * @output newSeries[P], newQty[P] - the slots after
 * Guarantees: sel is boolean with exactly `active` ones (and delta = 0 when inactive); when
 * active, seriesId is non-zero and every slot holding seriesId is the chosen one (no split:
 * `(active - sel[i]) * sameSeries[i] === 0`); the chosen slot held seriesId already or was empty
 * (series 0, qty 0); its new quantity is a signed 64-bit value; a slot whose quantity becomes 0
 * is freed (series 0); other slots are unchanged.
 * One slot per series, by induction: if before the slots hold each non-zero series at most
 * once and a slot has series 0 iff qty 0, so do they after (the chosen slot ends (seriesId,
 * q != 0) or (0, 0), no other slot holds seriesId). The other writers keep it too: SettleSlot
 * empties one slot, LiquidationSlot all of the liquidated account's (the liquidator's go through
 * PositionAdd), QueueSlot opens a leaf with empty slots. So a series' net position sits in one
 * slot and the liquidation penalty (|qty| per slot) follows it.
 * NOTE: slots already holding a series twice (unreachable from an empty tree) are not repaired:
 * an active add of that series is refused (both holders would have to be chosen).
 */
template PositionAdd(P) {
    signal input series[P];
    signal input qty[P];
    signal input active;
    signal input sel[P];
    signal input seriesId;
    signal input delta;
    signal output newSeries[P];
    signal output newQty[P];

    var selSum = 0;
    signal chosenQty[P];
    signal noSeries[P];
    signal noQty[P];
    signal emptySlot[P];
    signal sameSeries[P];
    signal slotOk[P];
    for (var i = 0; i < P; i++) {
        sel[i] * (sel[i] - 1) === 0;
        selSum += sel[i];
        noSeries[i] <== IsZero()(series[i]);
        noQty[i] <== IsZero()(qty[i]);
        emptySlot[i] <== noSeries[i] * noQty[i];
        sameSeries[i] <== IsEqual()([series[i], seriesId]);
        slotOk[i] <== sameSeries[i] + emptySlot[i];
        sel[i] * (1 - slotOk[i]) === 0;
        chosenQty[i] <== sel[i] * qty[i];
    }
    selSum === active;
    (1 - active) * delta === 0;

    // one slot per series: when active, a slot holding seriesId must be the chosen one; seriesId
    // is non-zero, so an empty slot (series 0) never counts as holding it
    signal noSeriesId <== IsZero()(seriesId);
    active * noSeriesId === 0;
    for (var i = 0; i < P; i++) {
        (active - sel[i]) * sameSeries[i] === 0;
    }

    var before = 0;
    for (var i = 0; i < P; i++) {
        before += chosenQty[i];
    }
    signal after <== before + delta;
    SignedRange64()(after);

    // (1 - isZero(after)) * seriesId: the series the chosen slot holds afterwards
    signal closed <== IsZero()(after);
    signal keep <== (1 - closed) * seriesId;
    for (var i = 0; i < P; i++) {
        newQty[i] <== qty[i] + sel[i] * delta;
        newSeries[i] <== series[i] + sel[i] * (keep - series[i]);
    }
}
