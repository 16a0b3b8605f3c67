//! Where the minting contract keeps a picture: storage words or the code
//! of a small contract (SSTORE2). Two contracts that differ only in that
//! are run on the same words; the figures are in docs/evm.md.

use super::*;

/// Both ways of keeping `n` words per token, behind the same interface.
fn contracts(n: usize) -> String {
    format!(
        r#"// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract InStorage {{
    uint256 public minted;
    mapping(uint256 => uint256[{n}]) internal pictures;

    function store(uint256[{n}] calldata words) external returns (uint256 id) {{
        id = ++minted;
        pictures[id] = words;
    }}

    function read(uint256 id) external view returns (uint256[{n}] memory) {{
        return pictures[id];
    }}
}}

contract AsCode {{
    uint256 public minted;
    mapping(uint256 => address) internal pictures;

    function store(uint256[{n}] calldata words) external returns (uint256 id) {{
        bytes memory init = abi.encodePacked(hex"63", uint32(1 + 32 * {n}), hex"80600e6000396000f300", words);
        address at;
        assembly {{
            at := create(0, add(init, 0x20), mload(init))
        }}
        require(at != address(0));
        id = ++minted;
        pictures[id] = at;
    }}

    function read(uint256 id) external view returns (uint256[{n}] memory words) {{
        address at = pictures[id];
        assembly {{
            extcodecopy(at, words, 1, mul({n}, 0x20))
        }}
    }}
}}
"#
    )
}

/// Gas of storing `n` full words as the second token (the first pays for
/// the counter's first write) and of reading them back, each way.
fn measure(n: usize) -> [(u64, u64); 2] {
    let mut compiled = compile_solidity(&contracts(n)).unwrap();
    let words: Vec<Word> = (0..n as u64).map(|i| be_word(&-Fr::from(i + 1))).collect();
    let mut store = selector(&format!("store(uint256[{n}])"));
    store.extend(words.iter().flatten());
    let mut read = selector("read(uint256)");
    read.extend_from_slice(&small(2));
    ["InStorage", "AsCode"].map(|name| {
        let mut chain = Chain::new();
        let at = chain.deploy(compiled.remove(name).unwrap()).unwrap();
        assert!(chain.call(at, store.clone()).unwrap().success);
        let stored = chain.call(at, store.clone()).unwrap();
        assert!(stored.success, "{name}: {stored:?}");
        let back = chain.call(at, read.clone()).unwrap();
        assert_eq!(back.output, words.concat(), "{name}: {n} words");
        (stored.gas, back.gas)
    })
}

#[test]
fn code_is_the_cheaper_store_from_a_few_words_on() {
    for n in [1, 2, 3, 4, 5, 8, 86] {
        let [(slots, slots_read), (code, code_read)] = measure(n);
        eprintln!(
            "{n:>3} words: storage {slots:>9} gas (read {slots_read:>6}), code {code:>9} gas (read {code_read:>6})"
        );
        // Storage: 22,100 per new slot. Code: a slot for the address and
        // 32,000 for the contract, then 6,400 per word of code plus the
        // memory that builds it. Code wins from 4 words.
        if n < 4 {
            assert!(slots < code, "{n} words: storage {slots}, code {code}");
        } else {
            assert!(code < slots, "{n} words: code {code}, storage {slots}");
        }
        // Reading: one cold account and EXTCODECOPY against a cold SLOAD
        // (2,100) per word.
        if n >= 3 {
            assert!(code_read < slots_read, "{n} words: reading");
        }
    }
}
