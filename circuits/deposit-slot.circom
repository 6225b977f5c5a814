pragma circom 2.1.0;

include "account-leaf.circom";
include "comparators.circom";
include "leaf-update.circom";
include "poseidon.circom";
include "range-check-64.circom";

/*
 * DepositSlot: consume the next entry of the on-chain deposit queue and credit it.
 * chainOut = Poseidon([chainIn, Ax, Ay, amount]) (docs/CONVENTIONS.md, "Deposit queue"); the
 * account at accountId is either empty (isNew = 1: opened with the deposit's key, the amount,
 * an empty order tree and no positions) or already holds the deposit's key (credited).
 * An entry with amount 0 is a forced-exit request (ARCHITECTURE.md, "Queue": its fields are
 * (accountId, requester, 0)); it is consumed from the queue and changes no leaf.
 * @param AD, P - account tree depth (4-ary levels), position slots
 * @param EMPTY_ORDERS_ROOT - root of an empty order tree of the configured depth
 * @input enabled - 1 for a real deposit, 0 for an empty slot (boolean, checked here)
 * @input rootIn, chainIn - state root and deposit chain before
 * @input Ax, Ay, amount - the queue entry (amount unsigned 64-bit)
 * @input accountId - the leaf the relayer assigns
 * @input isNew - 1 if the leaf is empty (boolean)
 * @input collateral, ordersRoot, posSeries[P], posQty[P], accPath[AD][3] - leaf contents before
 *        (zeros and EMPTY_ORDERS_ROOT when isNew)
 * @output rootOut, chainOut - after (unchanged if disabled; rootOut unchanged if amount is 0)
 * NOTE: does not check the key is on the curve; a bad key only locks its own deposit.
 */
template DepositSlot(AD, P, EMPTY_ORDERS_ROOT) {
    signal input enabled;
    signal input rootIn;
    signal input chainIn;
    signal input Ax;
    signal input Ay;
    signal input amount;
    signal input accountId;
    signal input isNew;
    signal input collateral;
    signal input ordersRoot;
    signal input posSeries[P];
    signal input posQty[P];
    signal input accPath[AD][3];
    signal output rootOut;
    signal output chainOut;

    enabled * (enabled - 1) === 0;
    isNew * (isNew - 1) === 0;
    RangeCheck64()(amount);

    // a new account starts from nothing
    isNew * collateral === 0;
    isNew * (ordersRoot - EMPTY_ORDERS_ROOT) === 0;
    for (var i = 0; i < P; i++) {
        isNew * posSeries[i] === 0;
        isNew * posQty[i] === 0;
    }
    signal newCollateral <== collateral + amount;
    RangeCheck64()(newCollateral);

    signal oldHash <== AccountLeaf(P)(Ax, Ay, collateral, ordersRoot, posSeries, posQty);
    signal oldLeaf <== (1 - isNew) * oldHash;
    signal newLeaf <== AccountLeaf(P)(Ax, Ay, newCollateral, ordersRoot, posSeries, posQty);
    signal noAmount <== IsZero()(amount);
    signal credit <== enabled * (1 - noAmount);
    rootOut <== LeafUpdate(AD)(credit, rootIn, accountId, oldLeaf, newLeaf, accPath);

    signal next <== Poseidon(4)([chainIn, Ax, Ay, amount]);
    chainOut <== chainIn + enabled * (next - chainIn);
}
