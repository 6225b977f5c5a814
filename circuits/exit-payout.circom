pragma circom 2.1.0;

include "bitify.circom";

/*
 * ExitPayout: the exit proof's public payout word, amount * 2^160 + to (the stand-in's and
 * Settlement.exit's layout: the contract pays `payout >> 160` venue units to
 * `address(uint160(payout))`).
 * @input amount - venue units owed (ExitEquity)
 * @input to - the recipient address
 * @output payout - amount * 2^160 + to
 * Guarantees: to < 2^160 and amount < 2^93, so payout < 2^253 < p and the contract reads back
 * exactly (amount, to).
 * NOTE: an account whose equity reaches 2^93 venue units has no witness (far beyond any 64-bit
 * collateral the venue holds).
 */
template ExitPayout() {
    signal input amount;
    signal input to;
    signal output payout;

    signal toBits[160] <== Num2Bits(160)(to);
    signal amountBits[93] <== Num2Bits(93)(amount);
    payout <== amount * (1 << 160) + to;
}
