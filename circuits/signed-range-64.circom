pragma circom 2.1.0;

include "bitify.circom";

/*
 * SignedRange64: a signed 64-bit integer in the shared convention (docs/CONVENTIONS.md).
 * A signed v is the field element v mod p; it is in range iff v + 2^63 lies in [0, 2^64).
 * @input in - field element; the signed value v mod p
 * Guarantees: in = v mod p for a unique integer v with -2^63 <= v < 2^63.
 * NOTE: says nothing about the sign; use a bigger Num2Bits on a sum to check ">= 0".
 */
template SignedRange64() {
    signal input in;
    component bits = Num2Bits(64);
    bits.in <== in + (1 << 63);
}
