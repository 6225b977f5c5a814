pragma circom 2.1.0;

include "range-check-64.circom";

/*
 * BatchStamp: split the batchTimestamp public input into the batch's time and the deposit
 * slots it refunded (issue 18 rule 7): stamp = time + 2^64 * sum_i refund[i] 2^i.
 * @param D - deposit slots
 * @input stamp - the public input
 * @input refund[D] - each deposit slot's refund output (boolean, from DepositSlot)
 * @output time - unix seconds, unsigned 64-bit
 * Guarantees: the contract, reading bits 64.. of the stamp, refunds exactly the queue entries
 * the deposit slots refunded (a hidden or invented refund bit leaves time out of range).
 */
template BatchStamp(D) {
    signal input stamp;
    signal input refund[D];
    signal output time;

    var refunds = 0;
    for (var i = 0; i < D; i++) {
        refunds += refund[i] * (1 << i);
    }
    time <== stamp - refunds * (1 << 64);
    RangeCheck64()(time);
}
