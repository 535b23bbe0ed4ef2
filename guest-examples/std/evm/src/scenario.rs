//! The EVM demo's transaction, in plain revm: an ERC-20-style token
//! contract (hand-assembled below) holding Alice's tokens, and Alice's
//! `transfer(bob, amount)` call. The guest (`main.rs`) runs it on Ember and
//! commits its outcome; ember-host's test `std_guests::evm` includes this
//! same file, runs it natively and checks that the journals agree byte for
//! byte.

use revm::bytecode::Bytecode;
use revm::context::TxEnv;
use revm::context_interface::ContextTr;
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::{Address, Bytes, KECCAK_EMPTY, TxKind, U256, address, keccak256};
use revm::state::AccountInfo;
use revm::{Context, ExecuteCommitEvm, MainBuilder, MainContext};

/// The token contract's address.
pub const TOKEN: Address = address!("0x00000000000000000000000000000000000e4b32");
/// The sender: holds 1 ETH for gas and [`ALICE_TOKENS`] tokens.
pub const ALICE: Address = address!("0x000000000000000000000000000000000000a11c");
/// The recipient: holds nothing to begin with.
pub const BOB: Address = address!("0x0000000000000000000000000000000000000b0b");
/// Alice's token balance before the transfer.
pub const ALICE_TOKENS: u64 = 1_000_000;

/// The transaction's outcome, as the guest commits it: success, gas used,
/// the logs (emitter, topics, data), and the post-state hash
/// ([`state_hash`]).
pub type Outcome = (bool, u64, Vec<Log>, [u8; 32]);

/// One log: the emitting contract, its topics and its data.
pub type Log = ([u8; 20], Vec<[u8; 32]>, Vec<u8>);

/// The token's runtime code: a minimal ERC-20 with `transfer(address,uint256)`
/// (emits `Transfer(from, to, amount)`, returns true; reverts if the sender
/// has too few tokens) and `balanceOf(address)`. Balances live where
/// Solidity puts `mapping(address => uint256) balances` at slot 0:
/// `keccak256(owner . 0)`. Hand-assembled, one instruction a line with its
/// offset; what is on the stack follows in brackets. (Being minimal, it does
/// not mask addresses to 160 bits or check for overflow or call value.)
#[rustfmt::skip]
pub static TOKEN_CODE: [u8; 165] = [
    0x60, 0x00, // 0x00 PUSH1 0x00: selector: the first 4 bytes of calldata
    0x35, // 0x02 CALLDATALOAD
    0x60, 0xe0, // 0x03 PUSH1 0xe0
    0x1c, // 0x05 SHR
    0x80, // 0x06 DUP1
    0x63, 0xa9, 0x05, 0x9c, 0xbb, // 0x07 PUSH4 0xa9059cbb: transfer(address,uint256)
    0x14, // 0x0c EQ
    0x61, 0x00, 0x3b, // 0x0d PUSH2 transfer
    0x57, // 0x10 JUMPI
    0x80, // 0x11 DUP1
    0x63, 0x70, 0xa0, 0x82, 0x31, // 0x12 PUSH4 0x70a08231: balanceOf(address)
    0x14, // 0x17 EQ
    0x61, 0x00, 0x21, // 0x18 PUSH2 balance_of
    0x57, // 0x1b JUMPI
    0x5b, // 0x1c JUMPDEST (fail): unknown selector, or not enough tokens: revert
    0x60, 0x00, // 0x1d PUSH1 0x00
    0x80, // 0x1f DUP1
    0xfd, // 0x20 REVERT
    0x5b, // 0x21 JUMPDEST (balance_of): balanceOf(owner): balances[owner]
    0x60, 0x04, // 0x22 PUSH1 0x04
    0x35, // 0x24 CALLDATALOAD: owner
    0x60, 0x00, // 0x25 PUSH1 0x00
    0x52, // 0x27 MSTORE: mem[0..32] = owner
    0x60, 0x00, // 0x28 PUSH1 0x00
    0x60, 0x20, // 0x2a PUSH1 0x20
    0x52, // 0x2c MSTORE: mem[32..64] = 0 (the mapping's slot)
    0x60, 0x40, // 0x2d PUSH1 0x40
    0x60, 0x00, // 0x2f PUSH1 0x00
    0x20, // 0x31 KECCAK256: key = keccak256(owner . 0), Solidity's layout
    0x54, // 0x32 SLOAD
    0x60, 0x00, // 0x33 PUSH1 0x00
    0x52, // 0x35 MSTORE
    0x60, 0x20, // 0x36 PUSH1 0x20
    0x60, 0x00, // 0x38 PUSH1 0x00
    0xf3, // 0x3a RETURN: the balance, 32 bytes
    0x5b, // 0x3b JUMPDEST (transfer): transfer(to, amount)
    0x33, // 0x3c CALLER
    0x60, 0x00, // 0x3d PUSH1 0x00
    0x52, // 0x3f MSTORE
    0x60, 0x00, // 0x40 PUSH1 0x00
    0x60, 0x20, // 0x42 PUSH1 0x20
    0x52, // 0x44 MSTORE
    0x60, 0x40, // 0x45 PUSH1 0x40
    0x60, 0x00, // 0x47 PUSH1 0x00
    0x20, // 0x49 KECCAK256: [kf] the sender's balance key
    0x80, // 0x4a DUP1
    0x54, // 0x4b SLOAD: [kf, bf]
    0x60, 0x24, // 0x4c PUSH1 0x24
    0x35, // 0x4e CALLDATALOAD: [kf, bf, amount]
    0x81, // 0x4f DUP2
    0x81, // 0x50 DUP2
    0x11, // 0x51 GT: amount > bf?
    0x61, 0x00, 0x1c, // 0x52 PUSH2 fail
    0x57, // 0x55 JUMPI
    0x80, // 0x56 DUP1
    0x91, // 0x57 SWAP2
    0x03, // 0x58 SUB: [kf, amount, bf - amount]
    0x82, // 0x59 DUP3
    0x55, // 0x5a SSTORE: balances[caller] -= amount
    0x90, // 0x5b SWAP1
    0x50, // 0x5c POP: [amount]
    0x60, 0x04, // 0x5d PUSH1 0x04
    0x35, // 0x5f CALLDATALOAD: to
    0x60, 0x00, // 0x60 PUSH1 0x00
    0x52, // 0x62 MSTORE: mem[0..32] = to (mem[32..64] is still 0)
    0x60, 0x40, // 0x63 PUSH1 0x40
    0x60, 0x00, // 0x65 PUSH1 0x00
    0x20, // 0x67 KECCAK256: [amount, kt]
    0x80, // 0x68 DUP1
    0x54, // 0x69 SLOAD: [amount, kt, bt]
    0x82, // 0x6a DUP3
    0x01, // 0x6b ADD: [amount, kt, bt + amount]
    0x90, // 0x6c SWAP1
    0x55, // 0x6d SSTORE: balances[to] += amount
    0x60, 0x00, // 0x6e PUSH1 0x00
    0x52, // 0x70 MSTORE: mem[0..32] = amount, the event's data
    0x60, 0x04, // 0x71 PUSH1 0x04
    0x35, // 0x73 CALLDATALOAD: topic 2: to
    0x33, // 0x74 CALLER: topic 1: from
    // 0x75 PUSH32 Transfer: topic 0: keccak256("Transfer(address,address,uint256)")
    0x7f,
    0xdd, 0xf2, 0x52, 0xad, 0x1b, 0xe2, 0xc8, 0x9b, 0x69, 0xc2, 0xb0, 0x68, 0xfc, 0x37, 0x8d, 0xaa,
    0x95, 0x2b, 0xa7, 0xf1, 0x63, 0xc4, 0xa1, 0x16, 0x28, 0xf5, 0x5a, 0x4d, 0xf5, 0x23, 0xb3, 0xef,
    0x60, 0x20, // 0x96 PUSH1 0x20
    0x60, 0x00, // 0x98 PUSH1 0x00
    0xa3, // 0x9a LOG3: emit Transfer(from, to, amount)
    0x60, 0x01, // 0x9b PUSH1 0x01
    0x60, 0x00, // 0x9d PUSH1 0x00
    0x52, // 0x9f MSTORE
    0x60, 0x20, // 0xa0 PUSH1 0x20
    0x60, 0x00, // 0xa2 PUSH1 0x00
    0xf3, // 0xa4 RETURN: true
];

/// `keccak256(owner . 0)`: the storage slot of `owner`'s balance.
pub fn balance_slot(owner: Address) -> U256 {
    let mut preimage = [0u8; 64];
    preimage[12..32].copy_from_slice(owner.as_slice());
    keccak256(preimage).into()
}

/// Runs Alice's `transfer(BOB, amount)` against the initial state; returns
/// its outcome.
pub fn transfer(amount: u64) -> Outcome {
    let mut db = CacheDB::<EmptyDB>::default();
    db.insert_account_info(
        ALICE,
        AccountInfo::new(
            U256::from(10u64).pow(U256::from(18)),
            0,
            KECCAK_EMPTY,
            Bytecode::new(),
        ),
    );
    let code = Bytecode::new_raw(Bytes::from_static(&TOKEN_CODE));
    db.insert_account_info(TOKEN, AccountInfo::from_bytecode(code));
    db.insert_account_storage(TOKEN, balance_slot(ALICE), U256::from(ALICE_TOKENS))
        .expect("an in-memory database does not fail");

    // calldata: transfer(BOB, amount), ABI-encoded.
    let mut data = vec![0xa9, 0x05, 0x9c, 0xbb];
    data.extend_from_slice(&[0; 12]);
    data.extend_from_slice(BOB.as_slice());
    data.extend_from_slice(&U256::from(amount).to_be_bytes::<32>());
    let tx = TxEnv::builder()
        .caller(ALICE)
        .kind(TxKind::Call(TOKEN))
        .data(Bytes::from(data))
        .gas_limit(100_000)
        .gas_price(1_000_000_000)
        .nonce(0)
        .build()
        .expect("a complete transaction");

    let mut evm = Context::mainnet().with_db(db).build_mainnet();
    let result = evm.transact_commit(tx).expect("a valid transaction");
    let logs = result
        .logs()
        .iter()
        .map(|log| {
            (
                log.address.into_array(),
                log.data.topics().iter().map(|t| t.0).collect(),
                log.data.data.to_vec(),
            )
        })
        .collect();
    (
        result.is_success(),
        result.tx_gas_used(),
        logs,
        state_hash(evm.ctx.db_ref()),
    )
}

/// A hash of the whole state: keccak256 over the accounts in address order,
/// each as address (20 bytes), balance (32, big-endian), nonce (8,
/// big-endian), code hash (32), then its non-zero storage slots in slot
/// order as slot (32) and value (32).
pub fn state_hash(db: &CacheDB<EmptyDB>) -> [u8; 32] {
    let mut accounts: Vec<_> = db.cache.accounts.iter().collect();
    accounts.sort_by_key(|(address, _)| **address);
    let mut bytes = Vec::new();
    for (address, account) in accounts {
        bytes.extend_from_slice(address.as_slice());
        bytes.extend_from_slice(&account.info.balance.to_be_bytes::<32>());
        bytes.extend_from_slice(&account.info.nonce.to_be_bytes());
        bytes.extend_from_slice(account.info.code_hash.as_slice());
        let mut storage: Vec<_> = account
            .storage
            .iter()
            .filter(|(_, v)| !v.is_zero())
            .collect();
        storage.sort();
        for (slot, value) in storage {
            bytes.extend_from_slice(&slot.to_be_bytes::<32>());
            bytes.extend_from_slice(&value.to_be_bytes::<32>());
        }
    }
    keccak256(&bytes).0
}
