pragma circom 2.1.0;

include "comparators.circom";

/*
 * NotOperator: an enabled operation's account is not account 0 (issue 18 rule 1). Account 0
 * holds what the venue owes others (expiry-settlement float, insurance): it never withdraws,
 * and it never trades (a trade at a chosen price with an accomplice would move the float out).
 * @input enabled - 1 for a real operation, 0 for an empty slot (boolean, checked by the slot)
 * @input accountId - the account (canonical: LeafUpdate decomposes it into its path bits)
 * Guarantees: enabled = 1 implies accountId != 0; an empty slot is unconstrained.
 */
template NotOperator() {
    signal input enabled;
    signal input accountId;

    signal isOperator <== IsZero()(accountId);
    enabled * isOperator === 0;
}
