pragma circom 2.1.0;

include "bitify.circom";

/*
 * RangeCheck64: an unsigned 64-bit integer.
 * @input in - field element; the value to check
 * Guarantees: 0 <= in < 2^64 (as an integer). Used for every amount, price, quantity, id and
 * timestamp before it reaches a comparator or a product.
 * NOTE: does not say anything about the value's meaning (e.g. qty > 0 is checked elsewhere).
 */
template RangeCheck64() {
    signal input in;
    component bits = Num2Bits(64);
    bits.in <== in;
}
