pragma circom 2.1.0;

include "babyjub.circom";
include "comparators.circom";

/*
 * DepositKey: is a deposit's key one an account may hold (issue 18 rule 7)?
 * Baby Jubjub is the prime-order subgroup G (order l) times the 8 torsion points T_0..T_7
 * (T_k = k * T_1, T_0 the identity; prover/statement/deposits.py). Every curve point P is
 * 8 R + T_k for some R on the curve and exactly one k (8 G = G, gcd(l, 8) = 1), so the prover
 * names R and k (one-hot sel) and the template checks the sum: P is in G iff k = 0.
 * @input enabled - 1 checks P = 8 R + T_k; 0 checks nothing about P (an exit request or an
 *        empty slot, whose (Ax, Ay) is not a key). Boolean, checked by the caller.
 * @input Ax, Ay - the key, a curve point (the contract refuses a deposit off the curve)
 * @input Rx, Ry - R, checked on the curve (the addition law is complete only there)
 * @input sel[8] - one-hot k
 * @output ok - 1 iff P is in the prime-order subgroup and is not the identity (x = 0 is the
 *         identity's only in G), when enabled
 */
template DepositKey() {
    signal input enabled;
    signal input Ax;
    signal input Ay;
    signal input Rx;
    signal input Ry;
    signal input sel[8];
    signal output ok;

    var TX[8] = [
        0,
        4342719913949491028786768530115087822524712248835451589697801404893164183326,
        18930368022820495955728484915491405972470733850014661777449844430438130630919,
        4342719913949491028786768530115087822524712248835451589697801404893164183326,
        0,
        17545522957889784193459637215142187266023652151580582754000402781682644312291,
        2957874849018779266517920829765869116077630550401372566248359756137677864698,
        17545522957889784193459637215142187266023652151580582754000402781682644312291
    ];
    var TY[8] = [
        1,
        4826523245007015323400664741523384119579596407052839571721035538011798951543,
        0,
        17061719626832259898845741003733890968968767993363194771977168648564009544074,
        21888242871839275222246405745257275088548364400416034343698204186575808495616,
        17061719626832259898845741003733890968968767993363194771977168648564009544074,
        0,
        4826523245007015323400664741523384119579596407052839571721035538011798951543
    ];
    var one = 0;
    var tx = 0;
    var ty = 0;
    for (var k = 0; k < 8; k++) {
        sel[k] * (sel[k] - 1) === 0;
        one += sel[k];
        tx += sel[k] * TX[k];
        ty += sel[k] * TY[k];
    }
    one === 1;

    BabyCheck()(Rx, Ry);
    component d1 = BabyDbl();
    d1.x <== Rx;
    d1.y <== Ry;
    component d2 = BabyDbl();
    d2.x <== d1.xout;
    d2.y <== d1.yout;
    component d3 = BabyDbl();
    d3.x <== d2.xout;
    d3.y <== d2.yout;
    component sum = BabyAdd();
    sum.x1 <== d3.xout;
    sum.y1 <== d3.yout;
    sum.x2 <== tx;
    sum.y2 <== ty;
    enabled * (sum.xout - Ax) === 0;
    enabled * (sum.yout - Ay) === 0;

    signal identity <== IsZero()(Ax);
    ok <== sel[0] * (1 - identity);
}
