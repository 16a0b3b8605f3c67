//! Solidity compiled by the pinned solc-js and run in revm: deploy, call,
//! read the gas a real transaction uses.

use crate::circom::{ensure_tools, tools_dir};
use revm::context::TxEnv;
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::{Address, Bytes, TxKind};
use revm::{Context, ExecuteCommitEvm, MainBuilder, MainContext, MainnetEvm};
use std::collections::BTreeMap;
use std::process::Command;

/// Creation bytecode of every contract in a Solidity source, by name.
pub fn compile_solidity(source: &str) -> Result<BTreeMap<String, Vec<u8>>, String> {
    ensure_tools()?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join("Contract.sol");
    std::fs::write(&file, source).map_err(|e| e.to_string())?;
    let out = Command::new("node")
        .arg(tools_dir().join("solc-compile.js"))
        .arg(&file)
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    if !out.status.success() {
        return Err(format!("solc: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let mut contracts = BTreeMap::new();
    for (name, c) in json.as_object().ok_or("solc printed no object")? {
        let hex = c["bytecode"].as_str().ok_or("no bytecode")?;
        contracts.insert(name.clone(), decode_hex(hex)?);
    }
    Ok(contracts)
}

fn decode_hex(hex: &str) -> Result<Vec<u8>, String> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|e| format!("bytecode: {e}")))
        .collect()
}

/// What a transaction did.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub success: bool,
    pub output: Vec<u8>,
    /// Gas the transaction paid: intrinsic and calldata gas included.
    pub gas: u64,
    pub created: Option<Address>,
    /// Every event the transaction emitted: its topics and data.
    pub logs: Vec<(Vec<[u8; 32]>, Vec<u8>)>,
}

impl Outcome {
    /// Whether a `bool` function returned true.
    pub fn returned_true(&self) -> bool {
        self.success && self.output.len() == 32 && self.output[31] == 1 && self.output[..31].iter().all(|&b| b == 0)
    }
}

/// One account sending transactions to an in-memory chain.
pub struct Chain {
    evm: MainnetEvm<revm::handler::MainnetContext<CacheDB<EmptyDB>>>,
    caller: Address,
    nonce: u64,
}

impl Default for Chain {
    fn default() -> Self {
        Chain::new()
    }
}

impl Chain {
    pub fn new() -> Chain {
        Chain {
            evm: Context::mainnet()
                .with_db(CacheDB::<EmptyDB>::default())
                .build_mainnet(),
            caller: Address::with_last_byte(0x99),
            nonce: 0,
        }
    }

    fn send(&mut self, kind: TxKind, data: Vec<u8>) -> Result<Outcome, String> {
        let tx = TxEnv::builder()
            .caller(self.caller)
            .kind(kind)
            .data(Bytes::from(data))
            .gas_limit(16_000_000)
            .nonce(self.nonce)
            .build()
            .map_err(|e| format!("{e:?}"))?;
        let result = self.evm.transact_commit(tx).map_err(|e| format!("{e:?}"))?;
        self.nonce += 1;
        Ok(Outcome {
            success: result.is_success(),
            gas: result.tx_gas_used(),
            created: result.created_address(),
            output: result.output().map(|b| b.to_vec()).unwrap_or_default(),
            logs: result
                .logs()
                .iter()
                .map(|l| (l.topics().iter().map(|t| t.0).collect(), l.data.data.to_vec()))
                .collect(),
        })
    }

    /// Deploys creation code (constructor arguments appended); the address.
    pub fn deploy(&mut self, code: Vec<u8>) -> Result<Address, String> {
        let out = self.send(TxKind::Create, code)?;
        match (out.success, out.created) {
            (true, Some(a)) => Ok(a),
            _ => Err(format!("deployment failed: {out:?}")),
        }
    }

    pub fn call(&mut self, to: Address, data: Vec<u8>) -> Result<Outcome, String> {
        self.send(TxKind::Call(to), data)
    }

    /// Bytes of code deployed at `at` (EIP-170 allows at most 24,576).
    pub fn code_len(&self, at: Address) -> usize {
        let accounts = &self.evm.ctx.journaled_state.database.cache.accounts;
        accounts
            .get(&at)
            .and_then(|a| a.info.code.as_ref())
            .map_or(0, |code| code.len())
    }
}
