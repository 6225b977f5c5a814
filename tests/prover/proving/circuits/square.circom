pragma circom 2.1.0;

// Test circuit of another shape than smoke.circom: keys and witnesses for one must be
// refused for the other.
template Square() {
    signal input x;
    signal output y;
    y <== x * x;
}

component main = Square();
