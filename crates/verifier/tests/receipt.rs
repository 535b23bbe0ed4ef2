//! Receipts: the round trip, each check of `verify_receipt` failing on its
//! own, and hostile bytes (random, truncated, bit-flipped) refused without a
//! panic.

use std::sync::OnceLock;

use ember_core::{BufferHost, Claim, Digest, Machine, Program, asm};
use ember_testkit::{CODE, DATA, ElfHeader, PF_R, PF_W, Ph, elf32};
use ember_verifier::{Receipt, ReceiptError, VerifyError, verify_receipt};
use proptest::prelude::*;

/// A guest that adds, stores and loads, then halts with 42.
fn elf(exit_code: i32) -> Vec<u8> {
    let words = [
        asm::addi(1, 0, 5),
        asm::lui(2, DATA >> 12),
        asm::sw(1, 0, 2),
        asm::lw(3, 2, 0),
        asm::addi(10, 3, exit_code - 5),
        asm::addi(5, 0, 0),
        asm::ecall(),
    ];
    elf32(
        &ElfHeader::default(),
        &[
            Ph::code(CODE, &words),
            Ph::load(DATA, PF_R | PF_W, vec![1, 2, 3, 4], 0x100),
        ],
    )
}

/// Proves the guest on no input: its ELF and receipt's bytes, made once.
fn proven() -> &'static (Vec<u8>, Vec<u8>) {
    static PROVEN: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    PROVEN.get_or_init(|| {
        let elf = elf(42);
        let program = Program::load_elf(&elf).unwrap();
        let mut machine = Machine::new(&program);
        let exit = machine.run(&mut BufferHost::default()).unwrap();
        let claim = Claim::new(program.image_id(), b"", b"", &exit, machine.cycles());
        let proof = ember_prover::prove(&program, b"").unwrap();
        let receipt = Receipt::new(claim, Vec::new(), vec![proof.proof]);
        (elf, receipt.to_bytes())
    })
}

fn receipt() -> Receipt {
    Receipt::from_bytes(&proven().1).unwrap()
}

#[test]
fn a_receipt_round_trips_and_verifies() {
    let (elf, bytes) = proven();
    assert!(bytes.starts_with(b"ember/receipt\x07\x00"));
    eprintln!("receipt: {} bytes", bytes.len());
    let r = receipt();
    assert_eq!(r.claim.exit_code, 42);
    assert_eq!(r.claim.cycles, 7);
    assert_eq!(
        r.to_bytes(),
        *bytes,
        "decoding and encoding again is the identity"
    );
    verify_receipt(elf, b"", b"", &r).unwrap();
}

#[test]
fn each_check_names_itself() {
    let (elf_bytes, _) = proven();
    let r = receipt();
    let err = |elf: &[u8], input: &[u8], journal: &[u8], r: &Receipt| {
        verify_receipt(elf, input, journal, r).unwrap_err()
    };
    assert!(matches!(err(b"junk", b"", b"", &r), ReceiptError::Load(_)));
    let e = err(&elf(43), b"", b"", &r);
    assert!(matches!(e, ReceiptError::ImageId { .. }), "{e}");
    let ids = (
        r.claim.image_id,
        Program::load_elf(&elf(43)).unwrap().image_id(),
    );
    assert_eq!(
        e.to_string(),
        format!(
            "wrong program: the receipt was made for the program with image ID {}, and this \
             ELF's image ID is {}",
            ids.0, ids.1
        )
    );
    let e = err(elf_bytes, b"x", b"", &r);
    assert!(matches!(e, ReceiptError::InputDigest { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "wrong input: the receipt was made for another input: its input digest is {}, \
             this input's is {}",
            Digest::of(&[b"".as_slice()]),
            Digest::of(&[b"x".as_slice()])
        )
    );
    let e = err(elf_bytes, b"", b"x", &r);
    assert!(matches!(e, ReceiptError::JournalDigest { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "wrong journal: the receipt commits to the journal with digest {}, and the journal \
             checked has digest {}",
            Digest::of(&[b"".as_slice()]),
            Digest::of(&[b"x".as_slice()])
        )
    );
    // A run that had input, checked without it: the input was left out.
    let mut other = receipt();
    other.claim.input_digest = Digest::of(&[b"abc".as_slice()]);
    let e = err(elf_bytes, b"", b"", &other);
    assert!(matches!(e, ReceiptError::MissingInput { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!(
            "wrong input: the run had input (input digest {}), and the input checked is empty",
            Digest::of(&[b"abc".as_slice()])
        )
    );

    // The journal the receipt carries must be the one checked.
    let mut other = receipt();
    other.journal = b"forged".to_vec();
    let e = err(elf_bytes, b"", b"", &other);
    assert!(
        matches!(
            e,
            ReceiptError::JournalMismatch {
                receipt: 6,
                checked: 0
            }
        ),
        "{e}"
    );

    let mut other = receipt();
    other.claim.status = 1;
    let e = err(elf_bytes, b"", b"", &other);
    assert!(
        matches!(
            e,
            ReceiptError::Outcome {
                status: 1,
                exit_code: 42
            }
        ),
        "{e}"
    );

    // A changed claim without its digest, then with it: the proof decides
    // (here the segments' own cycles, which the proof binds, before the
    // STARK).
    let mut other = receipt();
    other.claim.cycles += 1;
    let e = err(elf_bytes, b"", b"", &other);
    assert!(matches!(e, ReceiptError::ClaimDigest { .. }), "{e}");
    other.claim_digest = other.claim.digest();
    let e = err(elf_bytes, b"", b"", &other);
    assert!(
        matches!(e, ReceiptError::Proof(VerifyError::Shape(_))),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "the proof's shape is wrong: segment 1 of 1: the segments' cycles add up to {}, and the claim says {}",
            other.claim.cycles - 1,
            other.claim.cycles
        )
    );
    // A table taller than the field allows is refused before Plonky3 sees
    // it (which would panic).
    for bits in [24, 25, 63] {
        let mut other = receipt();
        let memory = other.proofs[0]
            .tables
            .position(ember_air::Table::Chunk)
            .unwrap();
        other.proofs[0].batch.degree_bits[memory] = bits;
        let e = err(elf_bytes, b"", b"", &other);
        assert!(
            matches!(e, ReceiptError::Proof(VerifyError::Shape(_))),
            "{e}"
        );
    }
    let mut other = receipt();
    other.claim.exit_code = 41;
    other.claim_digest = other.claim.digest();
    let e = err(elf_bytes, b"", b"", &other);
    assert!(matches!(e, ReceiptError::Proof(_)), "{e}");
    assert_ne!(other.claim_digest, Digest::default());
}

#[test]
fn bad_headers_are_named() {
    let bytes = &proven().1;
    let decode = |b: &[u8]| Receipt::from_bytes(b).unwrap_err();
    assert!(matches!(decode(b""), ReceiptError::BadMagic));
    assert!(matches!(decode(b"\x7fELF"), ReceiptError::BadMagic));
    assert!(matches!(decode(b"ember/receipt"), ReceiptError::Truncated));
    assert!(matches!(
        decode(b"ember/receipt\x01"),
        ReceiptError::Truncated
    ));
    // A receipt of the format before the table set.
    let mut v1 = bytes.clone();
    v1[13] = 1;
    let e = decode(&v1);
    assert!(matches!(
        e,
        ReceiptError::UnknownVersion {
            found: 1,
            supported: 7
        }
    ));
    assert_eq!(
        e.to_string(),
        "receipt format version 1 is not supported (this verifier reads version 7)"
    );
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(decode(&longer), ReceiptError::TrailingBytes(1)));
}

/// A body that does not decode (here the exit code, a varint, never ends
/// within its ten bytes) is garbled, not truncated.
#[test]
fn a_garbled_body_is_named() {
    let mut bytes = b"ember/receipt\x07\x00".to_vec();
    // Image ID, input and journal digests, status; then the exit code.
    bytes.extend([0; 3 * 32 + 1]);
    bytes.extend([0xff; 10]);
    bytes.extend([0; 64]);
    let e = Receipt::from_bytes(&bytes).unwrap_err();
    assert!(matches!(e, ReceiptError::Garbled(_)), "{e}");
    assert_eq!(
        e.to_string(),
        "the receipt is garbled: Found a varint that didn't terminate. Is the usize too big for this platform?"
    );
}

#[test]
fn every_truncation_is_refused() {
    let bytes = &proven().1;
    // Every prefix near the ends and a spread of them in between.
    let step = (bytes.len() / 500).max(1);
    let cuts = (0..bytes.len())
        .filter(|&n| n < 300 || n + 300 > bytes.len() || n % step == 0)
        .collect::<Vec<_>>();
    for n in cuts {
        let e = Receipt::from_bytes(&bytes[..n]).unwrap_err();
        assert!(
            matches!(e, ReceiptError::BadMagic | ReceiptError::Truncated),
            "{n}: {e}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Random bytes, with or without a valid header, never decode and
    /// never panic.
    #[test]
    fn random_bytes_are_refused(header in any::<bool>(), body in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let mut bytes = Vec::new();
        if header {
            bytes.extend(b"ember/receipt\x07\x00");
        }
        bytes.extend(body);
        prop_assert!(Receipt::from_bytes(&bytes).is_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A receipt with one bit flipped anywhere is refused: it does not
    /// decode, or one of the checks fails.
    #[test]
    fn a_flipped_bit_anywhere_is_refused(at in any::<prop::sample::Index>(), bit in 0..8u8) {
        let (elf, bytes) = proven();
        let mut bytes = bytes.clone();
        let at = at.index(bytes.len());
        bytes[at] ^= 1 << bit;
        if let Ok(r) = Receipt::from_bytes(&bytes) {
            prop_assert!(verify_receipt(elf, b"", b"", &r).is_err(), "flip at byte {} bit {} accepted", at, bit);
        }
    }
}

/// The proof ends with its small structural fields (the terminals, each
/// table's height, the proof-of-work witnesses): flips there that still
/// decode reach the verifier's shape checks.
#[test]
fn flips_in_the_proofs_tail_are_refused() {
    let (elf, bytes) = proven();
    for at in bytes.len() - 64..bytes.len() {
        for mask in [0x01, 0x20, 0x80] {
            let mut bytes = bytes.clone();
            bytes[at] ^= mask;
            if let Ok(r) = Receipt::from_bytes(&bytes) {
                let result = verify_receipt(elf, b"", b"", &r);
                assert!(result.is_err(), "flip {mask:#04x} at byte {at} accepted");
            }
        }
    }
}
