//! Verifying keys: a key verifies exactly what its ELF verifies, the key of
//! another program is refused by its image ID, a key that lies about its
//! program's commitment or heights fails the proof, and key files round
//! trip while hostile bytes are refused without a panic.

use ember_core::{BufferHost, Claim, Machine, Program, asm};
use ember_testkit::{CODE, DATA, ElfHeader, PF_R, PF_W, Ph, elf32};
use ember_verifier::{
    KeyError, Receipt, ReceiptError, VerifyError, VerifyingKey, verify_receipt,
    verify_receipt_with_key,
};
use proptest::prelude::*;
use std::sync::OnceLock;

/// A guest that reads a word of input, commits it and halts with `code`.
fn elf(code: i32) -> Vec<u8> {
    let mut words = vec![asm::lui(11, DATA >> 12)];
    words.extend([
        asm::addi(10, 0, 0),
        asm::addi(12, 0, 4),
        asm::addi(5, 0, ember_abi::ecall::READ as i32),
        asm::ecall(),
        asm::addi(10, 0, ember_abi::fd::JOURNAL as i32),
        asm::addi(12, 0, 4),
        asm::addi(5, 0, ember_abi::ecall::WRITE as i32),
        asm::ecall(),
        asm::addi(10, 0, code),
        asm::addi(5, 0, ember_abi::ecall::HALT as i32),
        asm::ecall(),
    ]);
    elf32(
        &ElfHeader::default(),
        &[
            Ph::code(CODE, &words),
            Ph::load(DATA, PF_R | PF_W, vec![0; 4], 0x100),
        ],
    )
}

const INPUT: &[u8] = b"\x01\x02\x03\x04";

/// The guest's ELF, program and receipt on [`INPUT`], proven once.
fn proven() -> &'static (Vec<u8>, Program, Receipt) {
    static PROVEN: OnceLock<(Vec<u8>, Program, Receipt)> = OnceLock::new();
    PROVEN.get_or_init(|| {
        let elf = elf(7);
        let program = Program::load_elf(&elf).unwrap();
        let mut host = BufferHost::with_input(INPUT.to_vec());
        let mut machine = Machine::new(&program);
        let exit = machine.run(&mut host).unwrap();
        let claim = Claim::new(
            program.image_id(),
            INPUT,
            &host.journal,
            &exit,
            machine.cycles(),
        );
        let proof = ember_prover::prove(&program, INPUT).unwrap();
        let receipt = Receipt::new(claim, host.journal.clone(), vec![proof.proof]);
        (elf, program, receipt)
    })
}

#[test]
fn a_key_verifies_what_its_elf_verifies() {
    let (elf, program, receipt) = proven();
    assert_eq!(receipt.journal, INPUT, "the guest commits its input");
    let key = VerifyingKey::new(program).unwrap();
    assert_eq!(key.image_id(), program.image_id());
    verify_receipt(elf, INPUT, INPUT, receipt).unwrap();
    verify_receipt_with_key(&key, INPUT, INPUT, receipt).unwrap();
    // The same key verifies again (nothing in it is used up), and other
    // data is refused the same way with the key as with the ELF.
    verify_receipt_with_key(&key, INPUT, INPUT, receipt).unwrap();
    let other = b"\x01\x02\x03\x05";
    let by_elf = verify_receipt(elf, other, INPUT, receipt).unwrap_err();
    let by_key = verify_receipt_with_key(&key, other, INPUT, receipt).unwrap_err();
    assert_eq!(by_elf.to_string(), by_key.to_string());
    assert!(matches!(by_key, ReceiptError::InputDigest { .. }));
    // One key verifies proofs of every parameter set.
    let small = ember_prover::prove_with(program, INPUT, ember_verifier::Params::Small).unwrap();
    let small = Receipt::new(
        receipt.claim.clone(),
        receipt.journal.clone(),
        vec![small.proof],
    );
    verify_receipt_with_key(&key, INPUT, INPUT, &small).unwrap();
    verify_receipt(elf, INPUT, INPUT, &small).unwrap();
}

#[test]
fn the_key_of_another_program_is_refused_by_its_image_id() {
    let (_, _, receipt) = proven();
    let other = Program::load_elf(&elf(8)).unwrap();
    let key = VerifyingKey::new(&other).unwrap();
    let e = verify_receipt_with_key(&key, INPUT, INPUT, receipt).unwrap_err();
    assert!(matches!(e, ReceiptError::KeyImageId { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "wrong program: the receipt was made for the program with image ID {}, and the verifying key is for image ID {}",
            receipt.claim.image_id,
            other.image_id()
        )
    );
}

/// Where a key file's fields are: magic and version (12 bytes), the image
/// ID, the program table's height, the entry (0x0040_0000: a 4-byte
/// varint), the initial memory root's 8 elements, then for each parameter
/// set (`fast`, `small`, `proven`) a tag (1: present) and its root's 8 elements.
const IMAGE_ID: std::ops::Range<usize> = 12..44;
const PROGRAM_ROWS: usize = 44;
const MEMORY_ROOT: usize = 49;
/// The `fast` set's root's last byte.
const FAST_ROOT_END: usize = 81 + 1 + 32 - 1;
const KEY_BYTES: usize = 81 + 3 * 33;

/// A key file's bytes with byte `at` replaced by `f(byte)`.
fn edited(key: &VerifyingKey, at: usize, f: impl Fn(u8) -> u8) -> Vec<u8> {
    let mut bytes = key.to_bytes();
    bytes[at] = f(bytes[at]);
    bytes
}

#[test]
fn a_key_that_lies_about_its_program_fails_the_proof() {
    let (_, program, receipt) = proven();
    let key = VerifyingKey::new(program).unwrap();
    // Another Merkle root for the proof's set (its last element's low
    // byte; still below p).
    let root = VerifyingKey::from_bytes(&edited(&key, FAST_ROOT_END - 3, |b| b ^ 1)).unwrap();
    // The key of another program with this program's image ID: its
    // commitment is the other program's.
    let mut forged = VerifyingKey::new(&Program::load_elf(&elf(8)).unwrap())
        .unwrap()
        .to_bytes();
    forged[IMAGE_ID].copy_from_slice(&program.image_id().0);
    let forged = VerifyingKey::from_bytes(&forged).unwrap();
    assert_eq!(forged.image_id(), program.image_id());
    // Another initial memory root (its first element's low byte).
    let memory = VerifyingKey::from_bytes(&edited(&key, MEMORY_ROOT, |b| b ^ 1)).unwrap();
    assert_ne!(memory.initial_root(), key.initial_root());
    for bad in [root, forged, memory] {
        let e = verify_receipt_with_key(&bad, INPUT, INPUT, receipt).unwrap_err();
        assert!(
            matches!(e, ReceiptError::Proof(VerifyError::Stark(_))),
            "{e}"
        );
    }
    // Another program table height: the proof's shape no longer matches.
    let taller = VerifyingKey::from_bytes(&edited(&key, PROGRAM_ROWS, |b| b + 1)).unwrap();
    let e = verify_receipt_with_key(&taller, INPUT, INPUT, receipt).unwrap_err();
    assert!(
        matches!(e, ReceiptError::Proof(VerifyError::Shape(_))),
        "{e}"
    );
}

#[test]
fn key_files_round_trip_and_bad_ones_are_named() {
    let (_, program, _) = proven();
    let key = VerifyingKey::new(program).unwrap();
    let bytes = key.to_bytes();
    assert!(bytes.starts_with(b"ember/vkey\x07\x00"));
    assert_eq!(bytes.len(), KEY_BYTES);
    assert_eq!(VerifyingKey::from_bytes(&bytes).unwrap(), key);
    let err = |b: &[u8]| VerifyingKey::from_bytes(b).unwrap_err().to_string();
    assert_eq!(
        err(b"ember/receipt"),
        "not an Ember verifying key: it does not start with `ember/vkey`"
    );
    assert_eq!(err(b"ember/vkey\x06"), "the verifying key is truncated");
    assert_eq!(
        err(&bytes[..bytes.len() - 1]),
        "the verifying key is truncated"
    );
    let mut old = bytes.clone();
    old[10] = 3;
    assert_eq!(
        err(&old),
        "the verifying key is for receipt format version 3 (this verifier reads version 7): make it again with `ember key`"
    );
    // A key of format 6 (Merkle leaves hashed at width 16) is named as
    // such, not garbled.
    old[10] = 6;
    assert_eq!(
        err(&old),
        "the verifying key is for receipt format version 6 (this verifier reads version 7): make it again with `ember key`"
    );
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        err(&longer),
        "the verifying key is garbled: 1 bytes follow its end"
    );
    let too_tall = edited(&key, PROGRAM_ROWS, |_| 30);
    assert!(matches!(
        VerifyingKey::from_bytes(&too_tall),
        Err(KeyError::Height(30))
    ));
    assert_eq!(
        err(&too_tall),
        "the verifying key is garbled: a table of 2^30 rows"
    );
    // A root element not below p.
    let mut out_of_range = bytes.clone();
    out_of_range[FAST_ROOT_END - 3..=FAST_ROOT_END].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        VerifyingKey::from_bytes(&out_of_range),
        Err(KeyError::Garbled(_))
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// No byte string makes reading a key panic.
    #[test]
    fn hostile_key_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..160)) {
        let mut framed = b"ember/vkey\x07\x00".to_vec();
        framed.extend(&bytes);
        let _ = VerifyingKey::from_bytes(&bytes);
        let _ = VerifyingKey::from_bytes(&framed);
    }
}
