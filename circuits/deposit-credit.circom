pragma circom 2.1.0;

include "bitify.circom";
include "comparators.circom";
include "deposit-key.circom";

/*
 * DepositCredit: is a queued deposit credited or refunded (issue 18 rule 7)? It is refunded
 * (the contract pays the entry back; prover/statement/deposits.py refund_reason) exactly when
 *  - the key is not in the prime-order subgroup or is the identity (DepositKey), or
 *  - the credit would take the account's collateral to 2^64 or more (its leaf is proven by
 *    the caller), or
 *  - isFull = 1: the last leaf (4^AD - 1) holds some non-empty leaf fullLeaf (the caller
 *    proves it there), so no leaf is left for a new key (ids are dense from 1).
 * @param AD - account tree depth (4-ary levels)
 * @input enabled - 1 for a deposit entry, 0 for a request or an empty slot (boolean, checked
 *        by the caller)
 * @input Ax, Ay - the entry's key; amount - unsigned 64-bit (QueueWord)
 * @input collateral - the account's collateral before (64-bit, from the tree)
 * @input accountId, isNew - the leaf the relayer names and whether it is empty (boolean)
 * @input isFull, fullLeaf - the tree-full refund and the last leaf's hash
 * @input keyR[2], keySel[8] - the key's decomposition (DepositKey)
 * @output credit - 1 iff an enabled deposit is credited; refund - 1 iff it is refunded
 * @output keyOk - the key may hold an account (the caller proves the leaf only then)
 * Guarantees: credit + refund = enabled; isFull only for a deposit, with a taken last leaf.
 */
template DepositCredit(AD) {
    signal input enabled;
    signal input Ax;
    signal input Ay;
    signal input amount;
    signal input collateral;
    signal input accountId;
    signal input isNew;
    signal input isFull;
    signal input fullLeaf;
    signal input keyR[2];
    signal input keySel[8];
    signal output credit;
    signal output refund;
    signal output keyOk;

    isFull * (isFull - 1) === 0;
    isFull * (1 - enabled) === 0;  // a request's leaf is always its own
    keyOk <== DepositKey()(enabled, Ax, Ay, keyR[0], keyR[1], keySel);
    signal sumBits[65] <== Num2Bits(65)(collateral + amount);
    signal overflow <== sumBits[64];
    isFull * isNew === 0;
    isFull * (accountId - (4 ** AD - 1)) === 0;
    signal fullEmpty <== IsZero()(fullLeaf);
    isFull * fullEmpty === 0;

    signal fits <== keyOk * (1 - overflow);
    signal open <== enabled * (1 - isFull);
    credit <== open * fits;
    refund <== enabled - credit;
}
