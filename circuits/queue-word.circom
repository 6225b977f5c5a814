pragma circom 2.1.0;

include "bitify.circom";
include "comparators.circom";

/*
 * QueueWord: the kind and fields of an on-chain queue entry, read from its word
 * (docs/CONVENTIONS.md, "Queue entries"; prover/statement/queue.py):
 *   deposit:           word = units                                   (kind 0)
 *   forced withdrawal: word = amount  + 2^128 * accountId + 2^192 * 1   (kind 1)
 *   cancel:            word = orderId + 2^128 * accountId + 2^192 * 2   (kind 2)
 * The kind is the contract's, bound by the queue's hash chain: never an operator choice.
 * @param AD - account tree depth in 4-ary levels (a leaf id is below 4^AD)
 * @input word - field; the entry's last hash input
 * @output isDeposit, isWithdrawal, isCancel - one-hot kind
 * @output low - bits 0..63: deposit units, withdrawal amount or cancel order id (64-bit)
 * @output account - bits 128..191: the request's account id (64-bit; 0 for a deposit)
 * @output inTree - 1 iff account < 4^AD (a request naming no leaf is a proven no-op)
 * Guarantees: word < 2^194 with bits 64..127 zero, kind 3 refused, a deposit word below 2^64;
 * so each word has exactly one reading and the contract's reading is the circuit's.
 */
template QueueWord(AD) {
    signal input word;
    signal output isDeposit;
    signal output isWithdrawal;
    signal output isCancel;
    signal output low;
    signal output account;
    signal output inTree;
    assert(2 * AD <= 64);

    component bits = Num2Bits(194);
    bits.in <== word;
    var lo = 0;
    var acc = 0;
    var high = 0;
    for (var i = 0; i < 64; i++) {
        lo += bits.out[i] * (1 << i);
        acc += bits.out[128 + i] * (1 << i);
        bits.out[64 + i] === 0;
        if (i >= 2 * AD) {
            high += bits.out[128 + i];
        }
    }
    low <== lo;
    account <== acc;
    isWithdrawal <== bits.out[192];
    isCancel <== bits.out[193];
    isWithdrawal * isCancel === 0;  // kind 3 does not exist
    isDeposit <== 1 - isWithdrawal - isCancel;
    isDeposit * account === 0;
    // high counts the set bits at or above 2 * AD (at most 64, so IsZero is exact)
    signal highZero <== IsZero()(high);
    inTree <== highZero;
}
