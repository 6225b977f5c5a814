pragma circom 2.1.0;

include "bitify.circom";

/*
 * BatchStamp: split the batchTimestamp public input into the batch's time, the fees its trades
 * paid (issue 18 rule 1: they leave the account tree for the contract's feesAccrued) and the
 * deposit slots it refunded (issue 18 rule 7):
 * stamp = time + 2^64 * fees + 2^128 * sum_i refund[i] 2^i.
 * @param D - deposit slots
 * @input stamp - the public input
 * @input refund[D] - each deposit slot's refund output (boolean, from DepositSlot)
 * @output time - unix seconds, unsigned 64-bit
 * @output fees - unsigned 64-bit; the batch requires it to equal the trades' fees (the trades
 *         need time first, so the fee total is compared after them)
 * Guarantees: the stamp has exactly 128 + D bits (no aliasing: 128 + D < 254); the contract,
 * reading bits 0..63 as the time, 64..127 as the fees and 128.. as the refunds, reads what the
 * circuit used; a hidden or invented refund bit is refused.
 */
template BatchStamp(D) {
    signal input stamp;
    signal input refund[D];
    signal output time;
    signal output fees;

    component bits = Num2Bits(128 + D);
    bits.in <== stamp;
    var t = 0;
    var f = 0;
    for (var i = 0; i < 64; i++) {
        t += bits.out[i] * (1 << i);
        f += bits.out[64 + i] * (1 << i);
    }
    time <== t;
    fees <== f;
    for (var i = 0; i < D; i++) {
        bits.out[128 + i] === refund[i];
    }
}
