pragma circom 2.1.0;

include "account-leaf.circom";
include "comparators.circom";
include "deposit-key.circom";
include "leaf-update.circom";
include "poseidon.circom";
include "bitify.circom";
include "range-check-64.circom";

/*
 * DepositSlot: consume the next entry of the on-chain deposit queue and credit or refund it.
 * chainOut = Poseidon([chainIn, Ax, Ay, amount]) (docs/CONVENTIONS.md, "Deposit queue"). A
 * deposit is credited to the account at accountId, which is either empty (isNew = 1: opened
 * with the deposit's key, the amount, an empty order tree and no positions) or already holds
 * the deposit's key, unless it is refunded (refund = 1: no leaf changes, the contract pays the
 * entry back; issue 18 rule 7, prover/statement/deposits.py), which happens exactly when
 *  - the key is not in the prime-order subgroup or is the identity (DepositKey), or
 *  - the credit would take the account's collateral to 2^64 or more (its leaf is proven), or
 *  - isFull = 1: the last leaf (4^AD - 1) holds some non-empty leaf fullLeaf (proven), so no
 *    leaf is left for a new key (ids are dense from 1).
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
 * @input keyR[2], keySel[8] - the key's decomposition (DepositKey)
 * @input isFull, fullLeaf - the tree-full refund (boolean) and the last leaf's hash
 * @output rootOut, chainOut - after (unchanged if disabled; rootOut unchanged if amount is 0
 *         or refunded)
 * @output refund - 1 iff an enabled deposit (amount > 0) is refunded
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
    signal input keyR[2];
    signal input keySel[8];
    signal input isFull;
    signal input fullLeaf;
    signal output rootOut;
    signal output chainOut;
    signal output refund;

    enabled * (enabled - 1) === 0;
    isNew * (isNew - 1) === 0;
    isFull * (isFull - 1) === 0;
    RangeCheck64()(amount);
    signal noAmount <== IsZero()(amount);
    signal live <== enabled * (1 - noAmount);

    // a new account starts from nothing
    isNew * collateral === 0;
    isNew * (ordersRoot - EMPTY_ORDERS_ROOT) === 0;
    for (var i = 0; i < P; i++) {
        isNew * posSeries[i] === 0;
        isNew * posQty[i] === 0;
    }
    // refund reasons: the key, the 64-bit collateral, no leaf left
    signal keyOk <== DepositKey()(live, Ax, Ay, keyR[0], keyR[1], keySel);
    signal newCollateral <== collateral + amount;
    signal sumBits[65] <== Num2Bits(65)(newCollateral);
    signal overflow <== sumBits[64];
    isFull * isNew === 0;
    isFull * (accountId - (4 ** AD - 1)) === 0;
    signal fullEmpty <== IsZero()(fullLeaf);
    isFull * fullEmpty === 0;

    signal oldHash <== AccountLeaf(P)(Ax, Ay, collateral, ordersRoot, posSeries, posQty);
    signal oldLeaf <== (1 - isNew) * oldHash;
    signal leafIn <== oldLeaf + isFull * (fullLeaf - oldLeaf);
    signal newHash <== AccountLeaf(P)(Ax, Ay, newCollateral, ordersRoot, posSeries, posQty);
    signal fits <== keyOk * (1 - overflow);
    signal credit <== fits * (1 - isFull);
    signal newLeaf <== leafIn + credit * (newHash - leafIn);
    // the leaf is proven whenever the key is good: credited, or its overflow / fullness shown
    signal proven <== live * keyOk;
    rootOut <== LeafUpdate(AD)(proven, rootIn, accountId, leafIn, newLeaf, accPath);
    refund <== live * (1 - credit);

    signal next <== Poseidon(4)([chainIn, Ax, Ay, amount]);
    chainOut <== chainIn + enabled * (next - chainIn);
}
