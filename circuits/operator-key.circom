pragma circom 2.1.0;

include "babyjub.circom";
include "bitify.circom";
include "escalarmulfix.circom";

/*
 * OperatorKey: the batch's private opSecret is account 0's EdDSA secret scalar:
 * BabyPbk(opSecret) == (Ax, Ay), account 0's key as proven by the fee credit (DA_SPEC sec. 2).
 * @input opSecret - the operator's secret scalar o (PrivateKey.secret_scalar(), < 2^253)
 * @input Ax, Ay - account 0's key (the fee credit's leaf)
 * @output bits[253] - o in binary, shared by every ECDH of the batch (NewAccountEnc)
 * Num2Bits(253) is canonical (2^253 < p), so the bits name one scalar.
 */
template OperatorKey() {
    signal input opSecret;
    signal input Ax;
    signal input Ay;
    signal output bits[253];

    var BASE8[2] = [
        5299619240641551281634865583518297030282874472190772894086521144482721001553,
        16950150798460657717958625567821834550301663161624707787222815936182638968203
    ];
    bits <== Num2Bits(253)(opSecret);
    component mul = EscalarMulFix(253, BASE8);
    mul.e <== bits;
    mul.out[0] === Ax;
    mul.out[1] === Ay;
}
