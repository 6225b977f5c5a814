pragma circom 2.1.0;

include "account-leaf.circom";
include "exit-equity.circom";
include "exit-message.circom";
include "exit-path-root.circom";
include "exit-payout.circom";
include "market-hash.circom";
include "signed-message.circom";

/*
 * Exit: in exit mode, an account's owner is paid its equity at the last registered marks
 * (docs/circuits.md, "Exit"). Public inputs in Settlement.exit's layout:
 *   [root, marketHash, accountId, payout = amount * 2^160 + to].
 * @param AD - account tree depth (4-ary levels); @param P - position slots
 * @param M - table rows; @param S - scenarios; @param DOMAIN - the deployment's signature domain
 * @input root - public; the state root (Settlement.stateRoot)
 * @input marketHash - public; the table hash (Settlement.exitMarketHash)
 * @input accountId - public; the exiting account (the contract pays each once, never account 0)
 * @input payout - public; amount * 2^160 + to
 * @input Ax, Ay, collateral, ordersRoot, posSeries[P], posQty[P], enc, count - the account's leaf
 *        (enc, count: as the owner decrypts them from the last blob, DA_SPEC sec. 1)
 * @input accPath[AD][3] - its Merkle siblings
 * @input to - the address the owner signed; @input R8x, R8y, S8 - the owner's signature
 * @input mkEpoch, mkIds[M], mkStatus[M], mkMark[M], mkSettle[M], mkVim[M][S], mkVmm[M][S],
 *        mkExpiry[M], mkDelta[M] - the market table (as in Batch)
 * Guarantees: the leaf is at accountId under root; the table hashes to marketHash; amount is
 * max(0, collateral + sum qty * mark) over that table; the leaf's key signed
 * Poseidon([5, DOMAIN, accountId, to]), so only the key holder chooses who is paid.
 * NOTE: does not re-check the oracle's table promises (ids, padding, ranges): the table is
 * the registered one (its hash), and a duplicated id only makes the proof impossible.
 */
template Exit(AD, P, M, S, DOMAIN) {
    signal input root;
    signal input marketHash;
    signal input accountId;
    signal input payout;
    signal input Ax;
    signal input Ay;
    signal input collateral;
    signal input ordersRoot;
    signal input posSeries[P];
    signal input posQty[P];
    signal input enc;
    signal input count;
    signal input accPath[AD][3];
    signal input to;
    signal input R8x;
    signal input R8y;
    signal input S8;
    signal input mkEpoch;
    signal input mkIds[M];
    signal input mkStatus[M];
    signal input mkMark[M];
    signal input mkSettle[M];
    signal input mkVim[M][S];
    signal input mkVmm[M][S];
    signal input mkExpiry[M];
    signal input mkDelta[M];

    // the leaf is the account's, in the claimed root
    signal leaf <== AccountLeaf(P)(Ax, Ay, collateral, ordersRoot, posSeries, posQty, enc,
                                   count);
    signal leafRoot <== ExitPathRoot(AD)(leaf, accountId, accPath);
    root === leafRoot;

    // the marks are the registered table's
    signal tableHash <== MarketHash(M, S)(mkEpoch, mkIds, mkStatus, mkMark, mkSettle, mkVim,
                                          mkVmm, mkExpiry, mkDelta);
    marketHash === tableHash;

    // the amount is the equity at those marks, floored at 0
    signal amount <== ExitEquity(P, M)(collateral, posSeries, posQty, mkIds, mkMark);
    signal owed <== ExitPayout()(amount, to);
    payout === owed;

    // only the key holder picks the recipient
    signal msg <== ExitMessage(DOMAIN)(accountId, to);
    SignedMessage()(Ax, Ay, R8x, R8y, S8, msg);
}
