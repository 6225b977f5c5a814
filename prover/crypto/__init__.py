"""Cryptographic primitives, bit-for-bit equal to circomlib / circomlibjs / zk-kit."""
