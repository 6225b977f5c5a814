pragma circom 2.1.6;

include "poseidon.circom";

/*
 * BatchStandIn: a STAND-IN for circuits/batch.circom, for contract tests only.
 *
 * It has exactly the batch public-input layout of docs/CONVENTIONS.md ("Batch public
 * inputs"), so Settlement.sol is tested against real Groth16 proofs with the real layout
 * before the batch circuit exists. It proves nothing about trading.
 *
 * @param W              withdrawal slots
 * @input oldRoot        public: the state root the batch starts from
 * @input newRoot        public: must equal Poseidon(oldRoot, secret)
 * @input marketHash     public: bound (squared) only
 * @input batchTimestamp public: bound (squared) only
 * @input depositChainOld public: bound (squared) only
 * @input depositChainNew public: bound (squared) only
 * @input withdrawal[W]  public: bound (squared) only
 * @input dataBinding    public: bound (squared) only (the contract derives it from the blob)
 * @input secret         private: the "transition"
 *
 * NOTE: every public input appears in a constraint (a public input used nowhere would not
 * affect the proof); nothing else is checked.
 */
template BatchStandIn(W) {
    signal input oldRoot;
    signal input newRoot;
    signal input marketHash;
    signal input batchTimestamp;
    signal input depositChainOld;
    signal input depositChainNew;
    signal input withdrawal[W];
    signal input dataBinding;
    signal input secret;

    // The one real relation: the new root is derived from the old root.
    signal derived <== Poseidon(2)([oldRoot, secret]);
    newRoot === derived;

    // Bind every other public input into a dummy constraint.
    signal sq[5 + W];
    sq[0] <== marketHash * marketHash;
    sq[1] <== batchTimestamp * batchTimestamp;
    sq[2] <== depositChainOld * depositChainOld;
    sq[3] <== depositChainNew * depositChainNew;
    sq[4] <== dataBinding * dataBinding;
    for (var i = 0; i < W; i++) {
        sq[5 + i] <== withdrawal[i] * withdrawal[i];
    }
}

component main {public [oldRoot, newRoot, marketHash, batchTimestamp, depositChainOld,
                        depositChainNew, withdrawal, dataBinding]} = BatchStandIn(2);
