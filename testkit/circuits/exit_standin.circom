pragma circom 2.1.6;

/*
 * ExitStandIn: a STAND-IN for the exit circuit (its own issue), for contract tests only.
 *
 * Public-input layout of an exit proof (docs/ARCHITECTURE.md, "Contracts"):
 * @input root        public: the last state root (Settlement.stateRoot)
 * @input marketHash  public: the market hash of the last batch (Settlement.lastMarketHash)
 * @input accountId   public: the exiting account (leaf index); each exits once
 * @input payout      public: amount << 160 | ethAddress, what the owner is paid
 * @input secret      private
 *
 * NOTE: proves nothing about the account; every public input is only bound by a dummy
 * constraint so that changing it invalidates the proof.
 */
template ExitStandIn() {
    signal input root;
    signal input marketHash;
    signal input accountId;
    signal input payout;
    signal input secret;

    signal sq[5];
    sq[0] <== root * secret;
    sq[1] <== marketHash * marketHash;
    sq[2] <== accountId * accountId;
    sq[3] <== payout * payout;
    sq[4] <== secret * secret;
}

component main {public [root, marketHash, accountId, payout]} = ExitStandIn();
