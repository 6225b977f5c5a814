"""Build tools: the pinned node toolchain, content-addressed cache, circom, solc, ptau, anvil."""
