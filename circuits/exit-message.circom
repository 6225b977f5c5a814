pragma circom 2.1.0;

include "poseidon.circom";

/*
 * ExitMessage: the hash an account's key signs to exit to `to` (docs/CONVENTIONS.md,
 * "Signed messages"; prover.statement.encoding.exit_hash):
 *   msg = Poseidon([5, DOMAIN, accountId, to])
 * @param DOMAIN - Poseidon([chainId, settlementAddress]) of the deployment
 * @input accountId - the exiting account
 * @input to - the 160-bit address the owner is paid at (range-checked by ExitPayout)
 * @output msg - field; the message the leaf's key must have signed
 * Guarantees: the tag (5) differs from every other signed kind, so no order, cancel or
 * withdrawal signature is an exit signature; the domain binds it to one deployment.
 */
template ExitMessage(DOMAIN) {
    signal input accountId;
    signal input to;
    signal output msg;

    msg <== Poseidon(4)([5, DOMAIN, accountId, to]);
}
