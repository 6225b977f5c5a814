// Reference oracle for tests/crypto: circomlibjs and @zk-kit/poseidon-cipher.
// Protocol: one JSON array of jobs per stdin line, one JSON array of results per stdout line.
// Numbers travel as decimal strings; byte strings as hex. Run with cwd = repository root.
import readline from "node:readline";
import { buildPoseidon, buildEddsa, buildBabyjub } from "circomlibjs";
import { poseidonEncrypt, poseidonDecrypt, poseidonPerm } from "@zk-kit/poseidon-cipher";
import createBlakeHash from "blake-hash";

const poseidon = await buildPoseidon();
const eddsa = await buildEddsa();
const bj = await buildBabyjub();
const F = bj.F;

const big = (s) => BigInt(s);
const str = (x) => x.toString();
const pt = (p) => [F.e(big(p[0])), F.e(big(p[1]))];
const unpt = (p) => [str(F.toObject(p[0])), str(F.toObject(p[1]))];

function secretScalar(seedHex) {
  const h = createBlakeHash("blake512").update(Buffer.from(seedHex, "hex")).digest();
  const s = Buffer.from(h.subarray(0, 32));
  s[0] &= 0xf8; s[31] &= 0x7f; s[31] |= 0x40;
  return BigInt("0x" + Buffer.from(s).reverse().toString("hex")) >> 3n;
}

const ops = {
  poseidon: (j) => str(poseidon.F.toObject(poseidon(j.inputs.map(big)))),
  perm: (j) => poseidonPerm(j.state.map(big)).map(str),
  prv2pub: (j) => {
    const A = eddsa.prv2pub(Buffer.from(j.seed, "hex"));
    return { pub: unpt(A), packed: Buffer.from(bj.packPoint(A)).toString("hex") };
  },
  sign: (j) => {
    const sig = eddsa.signPoseidon(Buffer.from(j.seed, "hex"), F.e(big(j.msg)));
    return [...unpt(sig.R8), str(sig.S)];
  },
  verify: (j) => eddsa.verifyPoseidon(F.e(big(j.msg)),
    { R8: pt(j.sig.slice(0, 2)), S: big(j.sig[2]) }, pt(j.pub)),
  unpack: (j) => {
    const P = bj.unpackPoint(Buffer.from(j.packed, "hex"));
    return P === null ? null : unpt(P);
  },
  pack: (j) => Buffer.from(bj.packPoint(pt(j.point))).toString("hex"),
  ecdh: (j) => unpt(bj.mulPointEscalar(pt(j.pub), secretScalar(j.seed))),
  encrypt: (j) => poseidonEncrypt(j.msg.map(big), j.key.map(big), big(j.nonce)).map(str),
  decrypt: (j) => {
    try {
      return poseidonDecrypt(j.ct.map(big), j.key.map(big), big(j.nonce), j.length).map(str);
    } catch (e) {
      return { error: String(e.message || e) };
    }
  },
};

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  const jobs = JSON.parse(line);
  const out = jobs.map((j) => {
    try { return ops[j.op](j); } catch (e) { return { error: String(e.message || e) }; }
  });
  process.stdout.write(JSON.stringify(out) + "\n");
}
