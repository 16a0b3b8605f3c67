#!/usr/bin/env node
// Compiles Solidity files with the pinned solc-js (optimizer on) and
// prints {"<contract>": {"abi": [...], "bytecode": "<hex>", "deployed":
// "<hex>", "methods": {"<signature>": "<4-byte selector hex>"}}} for every
// contract in them. Errors go to stderr with a non-zero exit.
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const files = process.argv.slice(2);
if (files.length === 0) {
    console.error("usage: solc-compile.js FILE.sol...");
    process.exit(2);
}
const sources = {};
for (const file of files) {
    sources[path.basename(file)] = { content: fs.readFileSync(file, "utf8") };
}
const input = {
    language: "Solidity",
    sources,
    settings: {
        optimizer: { enabled: true, runs: 200 },
        outputSelection: {
            "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.methodIdentifiers"] },
        },
    },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length > 0) {
    for (const e of errors) console.error(e.formattedMessage);
    process.exit(1);
}
const result = {};
for (const name of Object.keys(sources)) {
    for (const [contract, out] of Object.entries(output.contracts[name] || {})) {
        result[contract] = {
            abi: out.abi,
            bytecode: out.evm.bytecode.object,
            deployed: out.evm.deployedBytecode.object,
            methods: out.evm.methodIdentifiers,
        };
    }
}
process.stdout.write(JSON.stringify(result));
