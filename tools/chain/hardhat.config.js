// The local chain of `section9 serve --dev-chain`: Hardhat's node on chain
// id 31337 with its default funded accounts, unlocked, so that
// eth_sendTransaction works without a wallet. Nothing is compiled here (the
// server compiles its contracts with solc-js); whatever Hardhat caches goes
// to a temporary folder, not into the repository.
"use strict";
const os = require("os");
const path = require("path");

const scratch = path.join(os.tmpdir(), "section9-hardhat");

module.exports = {
    networks: {
        hardhat: {
            chainId: 31337,
        },
    },
    paths: {
        cache: path.join(scratch, "cache"),
        artifacts: path.join(scratch, "artifacts"),
    },
};
