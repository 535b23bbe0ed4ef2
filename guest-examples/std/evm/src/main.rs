//! evm: a std guest that executes an Ethereum transaction with revm: Alice
//! sends `amount` (the input) tokens of an ERC-20-style contract to Bob.
//! It commits the outcome (success, gas used, logs, post-state hash), which
//! ember-host's tests check against the same transaction run natively.

mod scenario;

fn main() {
    let amount: u64 = ember_guest::env::read();
    let (success, gas_used, logs, state_hash) = scenario::transfer(amount);
    println!(
        "transfer of {amount} tokens: {}, {gas_used} gas, {} log(s)",
        if success { "success" } else { "reverted" },
        logs.len()
    );
    println!("post-state hash {}", hex(&state_hash));
    ember_guest::env::commit(&(success, gas_used, logs, state_hash));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
