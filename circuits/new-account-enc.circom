pragma circom 2.1.0;

include "escalarmulany.circom";

/*
 * NewAccountEnc: the enc of an account the batch creates, x(o * A) (DA_SPEC sec. 1), the ECDH
 * x-coordinate its owner recomputes as x(a * O).
 * @input opBits[253] - the operator's secret scalar o in binary (OperatorKey)
 * @input Ax, Ay - the new account's key
 * @input active - 1 when the slot creates an account (boolean, checked by the caller); when 0
 *        the multiplication runs on the base point instead, so an invalid key (a refunded
 *        deposit) never reaches EscalarMulAny
 * @output enc - x(o * A) when active (x(o * B8) otherwise; unused then)
 */
template NewAccountEnc() {
    signal input opBits[253];
    signal input Ax;
    signal input Ay;
    signal input active;
    signal output enc;

    var BASE8[2] = [
        5299619240641551281634865583518297030282874472190772894086521144482721001553,
        16950150798460657717958625567821834550301663161624707787222815936182638968203
    ];
    component mul = EscalarMulAny(253);
    mul.e <== opBits;
    mul.p[0] <== BASE8[0] + active * (Ax - BASE8[0]);
    mul.p[1] <== BASE8[1] + active * (Ay - BASE8[1]);
    enc <== mul.out[0];
}
