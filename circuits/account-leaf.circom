pragma circom 2.1.0;

include "poseidon.circom";

/*
 * AccountLeaf: the account-tree leaf (docs/CONVENTIONS.md, "Account leaf").
 * out = Poseidon([Ax, Ay, collateral, ordersRoot, series[0], qty[0], ..., series[P-1], qty[P-1],
 *                 enc, count])   (DA_SPEC sec. 1) when P <= 5 (6 + 2P <= 16 inputs), else
 * out = Poseidon([Ax, Ay, collateral, ordersRoot, PositionsHash(P), enc, count])
 * @param P - position slots (at most 32)
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

    var W = P <= 5 ? 2 * P : 1;  // position fields in the leaf's own hash
    signal fields[W];
    if (P <= 5) {
        for (var i = 0; i < P; i++) {
            fields[2 * i] <== series[i];
            fields[2 * i + 1] <== qty[i];
        }
    } else {
        fields[0] <== PositionsHash(P)(series, qty);
    }
    component h = Poseidon(6 + W);
    h.inputs[0] <== Ax;
    h.inputs[1] <== Ay;
    h.inputs[2] <== collateral;
    h.inputs[3] <== ordersRoot;
    for (var k = 0; k < W; k++) {
        h.inputs[4 + k] <== fields[k];
    }
    h.inputs[4 + W] <== enc;
    h.inputs[5 + W] <== count;
    out <== h.out;
}

/*
 * PositionsHash: a wide leaf's positions (prover.statement.encoding.positions_hash): the fields
 * series[0], qty[0], ..., series[P-1], qty[P-1] in runs of 16, each run hashed, and the run
 * hashes hashed together (the one run's hash when 2P <= 16).
 * @param P - position slots (2P <= 256)
 * @input series[P], qty[P] - the positions
 * @output out - field
 */
template PositionsHash(P) {
    signal input series[P];
    signal input qty[P];
    signal output out;

    var N = 2 * P;
    var R = (N + 15) \ 16;
    assert(R <= 16);
    component run[R];
    for (var r = 0; r < R; r++) {
        var len = N - 16 * r < 16 ? N - 16 * r : 16;
        run[r] = Poseidon(len);
        for (var k = 0; k < len; k++) {
            var f = 16 * r + k;
            if (f % 2 == 0) {
                run[r].inputs[k] <== series[f \ 2];
            } else {
                run[r].inputs[k] <== qty[f \ 2];
            }
        }
    }
    if (R == 1) {
        out <== run[0].out;
    } else {
        component all = Poseidon(R);
        for (var r = 0; r < R; r++) {
            all.inputs[r] <== run[r].out;
        }
        out <== all.out;
    }
}
