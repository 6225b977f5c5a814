pragma circom 2.1.0;

include "account-leaf.circom";
include "cancel-order.circom";
include "comparators.circom";
include "deposit-credit.circom";
include "forced-withdrawal.circom";
include "free-collateral.circom";
include "leaf-update.circom";
include "new-account-enc.circom";
include "poseidon.circom";
include "queue-word.circom";

/*
 * QueueSlot: consume the next entry of the on-chain queue and apply it as its word says
 * (QueueWord; docs/CONVENTIONS.md, "Queue entries"). chainOut = Poseidon([chainIn, Ax, Ay,
 * word]). One leaf of the account tree is proven and rewritten for every kind:
 *  - deposit: credited to the account at accountId, which is empty (isNew = 1: opened with the
 *    entry's key, the units, an empty order tree, no positions) or holds the entry's key; or
 *    refunded (DepositCredit; no leaf changes, refund = 1);
 *  - forced withdrawal (issue 19): the leaf at the word's accountId; if it holds (Ax, Ay) and
 *    is not account 0, paid = min(amount, free) (FreeCollateral, ForcedWithdrawal) leaves its
 *    collateral, else paid = 0 with the leaf shown: a proven no-op, never silence;
 *  - cancel (issue 18 rule 5): the leaf at the word's accountId; if it holds (Ax, Ay), its
 *    order slot orderId mod 2^OD is killed when it holds an id <= orderId (CancelOrder).
 * A request whose accountId is 4^AD or more names no leaf: consumed, nothing proven.
 * @param AD, OD, P, M, S - account tree depth (4-ary levels), order slot bits, position slots,
 *        table rows, scenarios
 * @param EMPTY_ORDERS_ROOT - root of an empty order tree of the configured depth
 * @input enabled - 1 for a queue entry, 0 for an empty slot (boolean, checked here)
 * @input rootIn, chainIn - state root and queue chain before
 * @input Ax, Ay, word - the queue entry
 * @input accountId - the leaf: the relayer's choice for a deposit, the word's for a request
 * @input isNew - 1 if the leaf is empty (boolean)
 * @input lAx, lAy, collateral, ordersRoot, posSeries[P], posQty[P], accPath[AD][3] - the leaf
 *        before (zeros and EMPTY_ORDERS_ROOT when isNew; (lAx, lAy) = (Ax, Ay) for a deposit)
 * @input keyR[2], keySel[8], isFull, fullLeaf - a deposit's refund witnesses (DepositCredit)
 * @input minSel[S + 1] - a forced withdrawal's binding limit (FreeCollateral)
 * @input slotId, slotFilled, slotPath[OD \ 2][3] - a cancel's order slot (CancelOrder)
 * @input ids[M], vim[M][S] - the table's ids and initial-margin rows
 * @input enc, count - the leaf's ECDH x-coordinate and write count before; when isNew, count
 *        = 0 and enc = x(o * (Ax, Ay)) (NewAccountEnc) if the deposit is credited
 * @input opBits[253] - the operator's secret scalar o in binary (OperatorKey)
 * @output written - 1 iff the leaf is rewritten: a credited deposit, a served forced
 *         withdrawal (even paying 0), a cancel that kills its slot (count + 1)
 * @output newLeaf, outCollateral, outOrdersRoot, outCount - the blob record (positions stay)
 * @output rootOut, chainOut - after (unchanged if disabled)
 * @output refund - 1 iff an enabled deposit is refunded
 * @output paid - venue units a forced withdrawal pays (0 for any other entry)
 * @output withdrawal - 1 iff the entry is a forced withdrawal (served or not)
 * Guarantees: the kind is the word's; an entry of the queue cannot be skipped or served in
 * part beyond what margin allows; a request on another key's leaf changes nothing.
 */
template QueueSlot(AD, OD, P, M, S, EMPTY_ORDERS_ROOT) {
    signal input enabled;
    signal input rootIn;
    signal input chainIn;
    signal input Ax;
    signal input Ay;
    signal input word;
    signal input accountId;
    signal input isNew;
    signal input lAx;
    signal input lAy;
    signal input collateral;
    signal input ordersRoot;
    signal input posSeries[P];
    signal input posQty[P];
    signal input accPath[AD][3];
    signal input keyR[2];
    signal input keySel[8];
    signal input isFull;
    signal input fullLeaf;
    signal input minSel[S + 1];
    signal input slotId;
    signal input slotFilled;
    signal input slotPath[OD \ 2][3];
    signal input ids[M];
    signal input vim[M][S];
    signal input enc;
    signal input count;
    signal input opBits[253];
    signal output rootOut;
    signal output written;
    signal output newLeaf;
    signal output outCollateral;
    signal output outOrdersRoot;
    signal output outCount;
    signal output chainOut;
    signal output refund;
    signal output paid;
    signal output withdrawal;

    enabled * (enabled - 1) === 0;
    isNew * (isNew - 1) === 0;
    component kind = QueueWord(AD);
    kind.word <== word;
    signal dep <== enabled * kind.isDeposit;
    signal req <== enabled - dep;
    signal reqLive <== req * kind.inTree;
    reqLive * (accountId - kind.account) === 0;  // a request's leaf is the one it names
    dep * (lAx - Ax) === 0;  // a deposit's leaf holds its key (or is opened with it)
    dep * (lAy - Ay) === 0;

    // an empty leaf starts from nothing
    isNew * collateral === 0;
    isNew * (ordersRoot - EMPTY_ORDERS_ROOT) === 0;
    for (var i = 0; i < P; i++) {
        isNew * posSeries[i] === 0;
        isNew * posQty[i] === 0;
    }

    component deposit = DepositCredit(AD);
    deposit.enabled <== dep;
    deposit.Ax <== Ax;
    deposit.Ay <== Ay;
    deposit.amount <== kind.low;
    deposit.collateral <== collateral;
    deposit.accountId <== accountId;
    deposit.isNew <== isNew;
    deposit.isFull <== isFull;
    deposit.fullLeaf <== fullLeaf;
    deposit.keyR <== keyR;
    deposit.keySel <== keySel;

    // a request applies when the leaf it names holds the requester's key
    signal sameX <== IsEqual()([lAx, Ax]);
    signal sameY <== IsEqual()([lAy, Ay]);
    signal same <== sameX * sameY;
    signal taken <== reqLive * (1 - isNew);
    signal holds <== taken * same;
    signal isOperator <== IsZero()(accountId);
    signal mayPay <== holds * (1 - isOperator);
    signal wApply <== mayPay * kind.isWithdrawal;
    signal cApply <== holds * kind.isCancel;

    signal free <== FreeCollateral(P, M, S)(wApply, collateral, posSeries, posQty, ids, vim,
                                            minSel);
    paid <== ForcedWithdrawal()(wApply, kind.low, free);
    component cancel = CancelOrder(OD);
    cancel.enabled <== cApply;
    cancel.orderId <== kind.low;
    cancel.ordersRoot <== ordersRoot;
    cancel.slotId <== slotId;
    cancel.slotFilled <== slotFilled;
    cancel.siblings <== slotPath;

    // a new account's enc is the ECDH x(o * A); its count starts from 0
    isNew * count === 0;
    signal created <== isNew * deposit.credit;
    signal newEnc <== NewAccountEnc()(opBits, Ax, Ay, created);
    created * (enc - newEnc) === 0;

    signal credited <== deposit.credit * kind.low;
    outCollateral <== collateral + credited - paid;
    outOrdersRoot <== cancel.newOrdersRoot;
    outCount <== count + 1;
    signal oldHash <== AccountLeaf(P)(lAx, lAy, collateral, ordersRoot, posSeries, posQty, enc,
                                      count);
    signal oldLeaf <== (1 - isNew) * oldHash;
    signal leafIn <== oldLeaf + isFull * (fullLeaf - oldLeaf);
    signal newHash <== AccountLeaf(P)(lAx, lAy, outCollateral, outOrdersRoot, posSeries, posQty,
                                      enc, outCount);
    written <== deposit.credit + wApply + cancel.killed;
    newLeaf <== leafIn + written * (newHash - leafIn);
    // the leaf is proven for every request naming one, and for a deposit whose key is good
    signal depProven <== dep * deposit.keyOk;
    signal proven <== depProven + reqLive;
    rootOut <== LeafUpdate(AD)(proven, rootIn, accountId, leafIn, newLeaf, accPath);
    refund <== deposit.refund;
    withdrawal <== enabled * kind.isWithdrawal;

    signal next <== Poseidon(4)([chainIn, Ax, Ay, word]);
    chainOut <== chainIn + enabled * (next - chainIn);
}
