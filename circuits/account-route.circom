pragma circom 2.1.0;

/*
 * AccountPick: one fill side reads the running state of the account slot it names (account
 * slots apart from fill slots: docs/circuits.md, "What 30,000 a fill takes").
 * @param A - account slots; @param W - words of running state per slot
 * @input enabled - 1 for a real side, 0 for an empty one (boolean, checked by the caller)
 * @input open[A] - 1 for an account slot in use (boolean, checked by AccountSlot)
 * @input sel[A] - one-hot: the account slot this side belongs to
 * @input state[A][W] - every slot's running state before this side
 * @output picked[W] - the named slot's state (all 0 for an empty side)
 * Guarantees: sel is boolean with exactly `enabled` ones and names only an open slot; picked is
 * the named slot's state.
 */
template AccountPick(A, W) {
    signal input enabled;
    signal input open[A];
    signal input sel[A];
    signal input state[A][W];
    signal output picked[W];

    var count = 0;
    for (var a = 0; a < A; a++) {
        sel[a] * (sel[a] - 1) === 0;
        sel[a] * (1 - open[a]) === 0;
        count += sel[a];
    }
    count === enabled;

    signal part[A][W];
    for (var w = 0; w < W; w++) {
        var sum = 0;
        for (var a = 0; a < A; a++) {
            part[a][w] <== sel[a] * state[a][w];
            sum += part[a][w];
        }
        picked[w] <== sum;
    }
}

/*
 * AccountWrite: the side's new state goes back to the slot it picked.
 * @param A - account slots; @param W - words written per slot
 * @input sel[A] - the side's selector (checked by AccountPick: boolean, at most one)
 * @input state[A][W] - every slot's running state before this side
 * @input picked[W] - the named slot's state before (AccountPick's output)
 * @input value[W] - the side's new state for it
 * @output next[A][W] - every slot's running state after this side
 * Guarantees: the named slot's state becomes value and no other slot changes (an empty side,
 * sel all 0, changes nothing whatever its value).
 */
template AccountWrite(A, W) {
    signal input sel[A];
    signal input state[A][W];
    signal input picked[W];
    signal input value[W];
    signal output next[A][W];

    signal change[A][W];
    for (var a = 0; a < A; a++) {
        for (var w = 0; w < W; w++) {
            change[a][w] <== sel[a] * (value[w] - picked[w]);
            next[a][w] <== state[a][w] + change[a][w];
        }
    }
}
