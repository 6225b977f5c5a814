pragma circom 2.1.0;

// ExitDisabled: the exit verifier the settlement pipeline deploys until the exit circuit exists.
// @input root, marketHash, accountId, payout: the exit public inputs (ISettlement's layout)
// @input x: private
// Guarantees: no proof exists. x * x === 5 has no solution, since 5 is a quadratic non-residue
// modulo the BN254 scalar field (checked in tests/settlement), so no exit can be proven and
// exit mode can only refund unconsumed deposits. The public inputs are squared into dummy
// constraints only so that each appears in one.
template ExitDisabled() {
    signal input root;
    signal input marketHash;
    signal input accountId;
    signal input payout;
    signal input x;

    x * x === 5;
    signal sq[4];
    sq[0] <== root * root;
    sq[1] <== marketHash * marketHash;
    sq[2] <== accountId * accountId;
    sq[3] <== payout * payout;
}

component main {public [root, marketHash, accountId, payout]} = ExitDisabled();
