#!/usr/bin/env node
// Compiles one Solidity file with the pinned solc-js (optimizer on) and
// prints {"<contract>": {"abi": [...], "bytecode": "<hex>"}} for every
// contract in it. Errors go to stderr with a non-zero exit.
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const file = process.argv[2];
if (!file) {
    console.error("usage: solc-compile.js FILE.sol");
    process.exit(2);
}
const name = path.basename(file);
const input = {
    language: "Solidity",
    sources: { [name]: { content: fs.readFileSync(file, "utf8") } },
    settings: {
        optimizer: { enabled: true, runs: 200 },
        outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length > 0) {
    for (const e of errors) console.error(e.formattedMessage);
    process.exit(1);
}
const result = {};
for (const [contract, out] of Object.entries(output.contracts[name] || {})) {
    result[contract] = {
        abi: out.abi,
        bytecode: out.evm.bytecode.object,
        deployed: out.evm.deployedBytecode.object,
    };
}
process.stdout.write(JSON.stringify(result));
