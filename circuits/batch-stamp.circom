pragma circom 2.1.0;

include "bitify.circom";

/*
 * BatchStamp: split the batchTimestamp public input into the batch's time, the fees its trades
 * paid (issue 18 rule 1: they leave the account tree for the contract's feesAccrued), the
 * queue slots it refunded (issue 18 rule 7) and what its forced withdrawal paid (issue 19):
 * stamp = time + 2^64 * fees + 2^128 * sum_i refund[i] 2^i + 2^160 * forcedPaid.
 * @param D - queue slots (D <= 32)
 * @input stamp - the public input
 * @input refund[D] - each queue slot's refund output (boolean, from QueueSlot)
 * @input forcedPaid - venue units paid by the batch's one forced withdrawal (64-bit, from
 *        ForcedWithdrawal; 0 without one)
 * @output time - unix seconds, unsigned 64-bit
 * @output fees - unsigned 64-bit; the batch requires it to equal the trades' fees (the trades
 *         need time first, so the fee total is compared after them)
 * Guarantees: the stamp has exactly 224 bits (no aliasing: 224 < 254), bits 128 + D .. 159
 * zero; the contract, reading bits 0..63 as the time, 64..127 as the fees, 128..159 as the
 * refunds and 160..223 as the forced payout, reads what the circuit used; a hidden or
 * invented refund bit, or another payout, is refused.
 */
template BatchStamp(D) {
    signal input stamp;
    signal input refund[D];
    signal input forcedPaid;
    signal output time;
    signal output fees;
    assert(D <= 32);

    component bits = Num2Bits(224);
    bits.in <== stamp;
    var t = 0;
    var f = 0;
    var w = 0;
    for (var i = 0; i < 64; i++) {
        t += bits.out[i] * (1 << i);
        f += bits.out[64 + i] * (1 << i);
        w += bits.out[160 + i] * (1 << i);
    }
    time <== t;
    fees <== f;
    w === forcedPaid;
    for (var i = 0; i < 32; i++) {
        if (i < D) {
            bits.out[128 + i] === refund[i];
        } else {
            bits.out[128 + i] === 0;
        }
    }
}
