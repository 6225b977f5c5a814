pragma circom 2.1.0;

include "poseidon.circom";

/*
 * AccountLeaf: the account-tree leaf (docs/CONVENTIONS.md, "Account leaf").
 * out = Poseidon([Ax, Ay, collateral, ordersRoot, series[0], qty[0], ..., series[P-1], qty[P-1],
 *                 enc, count])   (DA_SPEC sec. 1)
 * @param P - position slots (6 + 2P <= 16)
 * @input Ax, Ay - field; the owner's Baby Jubjub key
 * @input collateral - unsigned 64-bit collateral in base units
 * @input ordersRoot - field; root of the account's order-storage tree
 * @input series[P] - unsigned series ids (0 = empty slot)
 * @input qty[P] - signed quantities (v mod p)
 * @input enc - field; x(o * A), the ECDH key of the leaf's published ciphertext (set at creation)
 * @input count - unsigned; writes of this leaf so far (every write is count + 1)
 * @output out - field; the leaf
 * NOTE: checks no ranges: values read from the tree were range-checked when written, and every
 * newly written value is range-checked by the template that computes it.
 */
template AccountLeaf(P) {
    signal input Ax;
    signal input Ay;
    signal input collateral;
    signal input ordersRoot;
    signal input series[P];
    signal input qty[P];
    signal input enc;
    signal input count;
    signal output out;

    component h = Poseidon(6 + 2 * P);
    h.inputs[0] <== Ax;
    h.inputs[1] <== Ay;
    h.inputs[2] <== collateral;
    h.inputs[3] <== ordersRoot;
    for (var i = 0; i < P; i++) {
        h.inputs[4 + 2 * i] <== series[i];
        h.inputs[5 + 2 * i] <== qty[i];
    }
    h.inputs[4 + 2 * P] <== enc;
    h.inputs[5 + 2 * P] <== count;
    out <== h.out;
}
