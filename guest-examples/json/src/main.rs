//! Parses a JSON document of bank accounts with `serde_json` and commits
//! the number of accounts, the total balance of those not frozen and the
//! richest owner; then the bank's name as raw bytes.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

use serde::Deserialize;

ember_guest::entry!(main);

#[derive(Deserialize)]
struct Bank {
    bank: String,
    accounts: Vec<Account>,
}

#[derive(Deserialize)]
struct Account {
    owner: String,
    balance: u64,
    frozen: bool,
}

fn main() -> Result<(), serde_json::Error> {
    let document = ember_guest::env::read_to_end();
    let bank: Bank = serde_json::from_slice(&document)?;
    let active: u64 = bank.accounts.iter().filter(|a| !a.frozen).map(|a| a.balance).sum();
    let richest = bank.accounts.iter().max_by_key(|a| a.balance).map(|a| a.owner.as_str());
    ember_guest::println!("{}: {} accounts, {active} in active ones", bank.bank, bank.accounts.len());
    ember_guest::env::commit(&(bank.accounts.len() as u32, active, richest));
    // Raw bytes, framed but not encoded: read back with `read_bytes`.
    ember_guest::env::commit_slice(bank.bank.as_bytes());
    Ok(())
}
