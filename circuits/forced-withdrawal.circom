pragma circom 2.1.0;

include "comparators.circom";

/*
 * ForcedWithdrawal: what a forced withdrawal from the queue pays (issue 19): its amount, or
 * what margin leaves free if that is less, never silence and never more:
 *   paid = min(amount, free)    (amount 2^64 - 1 asks for everything free)
 * @input enabled - 1 when the request applies (its key holds the leaf, not account 0),
 *        0 otherwise (boolean, checked by the caller)
 * @input amount - unsigned 64-bit, from QueueWord
 * @input free - unsigned 64-bit, from FreeCollateral (<= the collateral)
 * @output paid - min(amount, free) when enabled, else 0; the collateral goes down by it and
 *         the batch stamp carries it (BatchStamp) for the contract to pay
 */
template ForcedWithdrawal() {
    signal input enabled;
    signal input amount;
    signal input free;
    signal output paid;

    signal less <== LessThan(64)([amount, free]);
    signal least <== free + less * (amount - free);
    paid <== enabled * least;
}
