//! SHA-256 in the proof: the SHA256_COMPRESS ECALL's table ([`call`]) and
//! the round table here, one row per round of each compression.
//!
//! A compression is 64 consecutive rows, aligned on 64 (periodic columns
//! give each row its round `t`: the constant `K[t]` and the flags of the
//! first round, the last one and the schedule's rounds). Row `t` holds:
//! - the working variables as bits: `a[0] = a(t+1)` (computed here),
//!   `a[1..4] = a(t), a(t-1), a(t-2)`, and `d = a(t-3)` as two 16-bit limbs;
//!   the same for `e` (with `h = e(t-3)`). Round `t` needs nothing else, and
//!   the next row takes them shifted by one;
//! - the last 16 message words (the window, as limbs), the bits of
//!   `W[t-2]` and `W[t-15]` for the two small sigmas, `W[t]`'s bytes: read
//!   from memory for `t < 16`, from the schedule after;
//! - the compression's input state `H`, the same on all 64 rows, and on the
//!   last row the carries of `H' = H + (a, b, ..., h)`;
//! - which compression it is: the ECALL's clock `clk`, its index `k` within
//!   the ECALL and its block's first word `wb`, the same on all 64 rows.
//!
//! Every constraint has degree at most 3: the bitwise functions (XOR of
//! three bits, Maj) are degree 3 inside the additions, which are checked on
//! 16-bit limbs with carries below 256 (byte range checks), so that both
//! sides stay below p and equality in the field is equality of integers.
//! The constraints that tie a row to the next, or to the compression's
//! input, are degree 1 gated by a periodic flag.
//!
//! **The chain.** On its first round a real compression receives `(clk, k,
//! wb, H)` on the sha bus, and on its last it sends `(clk, k + 1, wb + 16,
//! H')`. The ECALL's row sends `(clk, 0, blocks, state)` and receives
//! `(clk, count, blocks + 16 count, state')`. The bus balances only if the
//! compressions of one ECALL are exactly one for each `k` in `0..count`,
//! each starting from its predecessor's output and reading the next block
//! (a cycle of `k` values would need `p` compressions). Block words are
//! read at timestamp `4 clk + 1`, before the ECALL's row writes the new
//! state at `4 clk + 2`: a block that overlaps the state reads the old
//! state, as the executor does. `H` on round 0 is bits, hence 16-bit
//! limbs, and the ECALL row's `state'` is range-checked bytes: so every
//! `H'` received has 16-bit limbs, which makes `out_carry` the true carries.

use std::borrow::Cow;

use p3_air::{Air, AirBuilder, BaseAir, WindowAccess};
use p3_field::{Field, PrimeCharacteristicRing};
use p3_lookup::InteractionBuilder;

use p3_lookup::Count;

use crate::bytes::range_pair;
use crate::chips::slot;
use crate::gadget::AccessCols;
use crate::lookups::Lookups;
use crate::{bus, columns};

pub mod call;

/// Rows (rounds) of one compression.
pub const ROUNDS: usize = 64;

/// The round constants (FIPS 180-4, 4.2.2).
pub const K: [u32; ROUNDS] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// A row: one round of one compression.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShaRoundCols<T> {
    /// `a(t+1), a(t), a(t-1), a(t-2)`, bits, least significant first.
    pub a: [[T; 32]; 4],
    /// `e(t+1), e(t), e(t-1), e(t-2)`, bits.
    pub e: [[T; 32]; 4],
    /// `d = a(t-3)`, 16-bit limbs.
    pub d: [T; 2],
    /// `h = e(t-3)`, 16-bit limbs.
    pub h: [T; 2],
    /// Carries of `a(t+1) = T1 + T2`, per limb.
    pub a_carry: [T; 2],
    /// Carries of `e(t+1) = d + T1`, per limb.
    pub e_carry: [T; 2],
    /// `W[t-16..t]`, limbs.
    pub window: [[T; 2]; 16],
    /// `W[t-2]`'s bits (for sigma 1).
    pub w2: [T; 32],
    /// `W[t-15]`'s bits (for sigma 0).
    pub w15: [T; 32],
    /// `W[t]`, bytes of its value, least significant first.
    pub w: [T; 4],
    /// `sigma1(W[t-2]) + W[t-7] + sigma0(W[t-15]) + W[t-16]`, bytes.
    pub sched: [T; 4],
    /// The schedule sum's carries, per limb.
    pub sched_carry: [T; 2],
    /// The compression's input state `H`, limbs.
    pub h_in: [[T; 2]; 8],
    /// Carries of `H' = H + (a, ..., h)` on the last round, per limb.
    pub out_carry: [[T; 2]; 8],
    /// 1 on a real compression's 64 rows, 0 on padding.
    pub is_real: T,
    /// `is_real` on round 0.
    pub is_first: T,
    /// `is_real` on round 63.
    pub is_last: T,
    /// `is_real` on rounds 0..16, which read `W[t]` from memory.
    pub reads: T,
    /// The ECALL's clock.
    pub clk: T,
    /// The compression's index within its ECALL.
    pub k: T,
    /// Its block's first word (byte address / 4).
    pub wb: T,
    /// `wb + t`: on rounds 0..16, the word `W[t]` is read from.
    pub addr: T,
    /// 0 if that word is code.
    pub writable: T,
    /// The read of `W[t]`.
    pub access: AccessCols<T>,
}

columns!(ShaRoundCols, SHA_ROUND_WIDTH, SHA_ROUND_COLS);

/// The periodic columns, in order.
pub mod periodic {
    /// `K[t]`'s low 16 bits.
    pub const K_LO: usize = 0;
    /// `K[t]`'s high 16 bits.
    pub const K_HI: usize = 1;
    /// 1 on round 0.
    pub const FIRST: usize = 2;
    /// 0 on round 63.
    pub const NOT_LAST: usize = 3;
    /// 1 on rounds 16..64, where `W[t]` is the schedule's.
    pub const SCHED: usize = 4;
    /// How many.
    pub const COUNT: usize = 5;
}

/// The SHA-256 round table.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShaRoundAir;

impl<F: Field> BaseAir<F> for ShaRoundAir {
    fn width(&self) -> usize {
        SHA_ROUND_WIDTH
    }

    fn num_periodic_columns(&self) -> usize {
        periodic::COUNT
    }

    fn periodic_columns(&self) -> Cow<'_, [Vec<F>]> {
        let column = |f: &dyn Fn(usize) -> u32| (0..ROUNDS).map(|t| F::from_u32(f(t))).collect();
        Cow::Owned(vec![
            column(&|t| K[t] & 0xffff),
            column(&|t| K[t] >> 16),
            column(&|t| u32::from(t == 0)),
            column(&|t| u32::from(t != ROUNDS - 1)),
            column(&|t| u32::from(t >= 16)),
        ])
    }
}

/// Two 16-bit limbs from 32 bits.
fn limbs<E: PrimeCharacteristicRing + Clone>(bits: &[E; 32]) -> [E; 2] {
    let pack = |half: &[E]| {
        half.iter()
            .enumerate()
            .fold(E::ZERO, |acc, (i, b)| acc + b.clone() * E::from_u32(1 << i))
    };
    [pack(&bits[..16]), pack(&bits[16..])]
}

fn xor<E: PrimeCharacteristicRing + Clone>(a: E, b: E) -> E {
    a.clone() + b.clone() - a * b * E::TWO
}

/// Bit `i` of `x >>> r1 ^ x >>> r2 ^ x >> s` (or `x >>> s` if `rotate`).
fn sigma<E: PrimeCharacteristicRing + Clone>(x: &[E; 32], r: [usize; 3], rotate: bool) -> [E; 32] {
    core::array::from_fn(|i| {
        let ab = xor(x[(i + r[0]) % 32].clone(), x[(i + r[1]) % 32].clone());
        match (rotate, i + r[2]) {
            (true, j) => xor(ab, x[j % 32].clone()),
            (false, j) if j < 32 => xor(ab, x[j].clone()),
            (false, _) => ab,
        }
    })
}

impl<AB> Air<AB> for ShaRoundAir
where
    AB: AirBuilder + InteractionBuilder,
    AB::F: Field,
{
    fn eval(&self, builder: &mut AB) {
        let main = builder.main();
        let local: &ShaRoundCols<AB::Var> = core::borrow::Borrow::borrow(main.current_slice());
        let next: &ShaRoundCols<AB::Var> = core::borrow::Borrow::borrow(main.next_slice());
        let p: Vec<AB::Expr> = builder
            .periodic_values()
            .iter()
            .map(|&v| v.into())
            .collect();
        let (k_lo, k_hi) = (p[periodic::K_LO].clone(), p[periodic::K_HI].clone());
        let (first, not_last) = (p[periodic::FIRST].clone(), p[periodic::NOT_LAST].clone());
        let sched_round = p[periodic::SCHED].clone();
        let k = |v: u32| AB::Expr::from_u32(v);
        let bits = |b: &[AB::Var; 32]| -> [AB::Expr; 32] { b.map(Into::into) };
        let pair = |l: &[AB::Var; 2]| -> [AB::Expr; 2] { l.map(Into::into) };
        let bytes_limbs = |b: &[AB::Var; 4]| -> [AB::Expr; 2] {
            [
                b[0].into() + b[1].into() * k(1 << 8),
                b[2].into() + b[3].into() * k(1 << 8),
            ]
        };
        let sum = |xs: &[AB::Expr]| xs.iter().fold(AB::Expr::ZERO, |acc, x| acc + x.clone());

        for word in local
            .a
            .iter()
            .chain(&local.e)
            .chain([&local.w2, &local.w15])
        {
            for &b in word {
                builder.assert_bool(b);
            }
        }
        for c in local.out_carry.iter().flatten() {
            builder.assert_bool(*c);
        }

        // --- Round t. ---
        let [a_new, a1, a2, a3] = local.a.each_ref().map(bits);
        let [e_new, e1, e2, e3] = local.e.each_ref().map(bits);
        let big_s1 = limbs(&sigma(&e1, [6, 11, 25], true));
        let ch = limbs(&core::array::from_fn(|i| {
            e1[i].clone() * e2[i].clone() + (AB::Expr::ONE - e1[i].clone()) * e3[i].clone()
        }));
        let big_s0 = limbs(&sigma(&a1, [2, 13, 22], true));
        let maj = limbs(&core::array::from_fn(|i| {
            let (x, y, z) = (a1[i].clone(), a2[i].clone(), a3[i].clone());
            x.clone() * y.clone() + x.clone() * z.clone() + y.clone() * z.clone()
                - x * y * z * AB::Expr::TWO
        }));
        let w = bytes_limbs(&local.w);
        let (d, h) = (pair(&local.d), pair(&local.h));
        let kk = [k_lo, k_hi];
        let [ac, ec] = [pair(&local.a_carry), pair(&local.e_carry)];
        let (a_out, e_out) = (limbs(&a_new), limbs(&e_new));
        for i in 0..2 {
            let carry_in = |c: &[AB::Expr; 2]| if i == 0 { AB::Expr::ZERO } else { c[0].clone() };
            let t1 = sum(&[
                h[i].clone(),
                big_s1[i].clone(),
                ch[i].clone(),
                kk[i].clone(),
                w[i].clone(),
            ]);
            // e(t+1) = d + T1.
            builder.assert_eq(
                e_out[i].clone() + ec[i].clone() * k(1 << 16),
                d[i].clone() + t1.clone() + carry_in(&ec),
            );
            // a(t+1) = T1 + T2, T2 = Sigma0(a) + Maj(a, b, c).
            builder.assert_eq(
                a_out[i].clone() + ac[i].clone() * k(1 << 16),
                t1 + big_s0[i].clone() + maj[i].clone() + carry_in(&ac),
            );
        }
        range_pair(builder, ac[0].clone(), ac[1].clone(), AB::Expr::ONE);
        range_pair(builder, ec[0].clone(), ec[1].clone(), AB::Expr::ONE);

        // --- The schedule: W[t] for t >= 16. ---
        let win: Vec<[AB::Expr; 2]> = local.window.iter().map(pair).collect();
        let (w2, w15) = (bits(&local.w2), bits(&local.w15));
        for (packed, j) in [(limbs(&w2), 14), (limbs(&w15), 1)] {
            for i in 0..2 {
                builder.assert_eq(packed[i].clone(), win[j][i].clone());
            }
        }
        let small_s1 = limbs(&sigma(&w2, [17, 19, 10], false));
        let small_s0 = limbs(&sigma(&w15, [7, 18, 3], false));
        let sched = bytes_limbs(&local.sched);
        let sc = pair(&local.sched_carry);
        for i in 0..2 {
            let carry_in = if i == 0 {
                AB::Expr::ZERO
            } else {
                sc[0].clone()
            };
            builder.assert_eq(
                sched[i].clone() + sc[i].clone() * k(1 << 16),
                small_s1[i].clone()
                    + win[9][i].clone()
                    + small_s0[i].clone()
                    + win[0][i].clone()
                    + carry_in,
            );
        }
        range_pair(builder, sc[0].clone(), sc[1].clone(), AB::Expr::ONE);
        for i in [0, 2] {
            range_pair(
                builder,
                local.sched[i].into(),
                local.sched[i + 1].into(),
                AB::Expr::ONE,
            );
        }
        for i in 0..4 {
            builder.assert_zero(sched_round.clone() * (local.w[i].into() - local.sched[i].into()));
        }

        // --- The next round: everything shifts by one. ---
        let mut to_next = |now: AB::Expr, then: AB::Var| {
            builder.assert_zero(not_last.clone() * (then.into() - now));
        };
        for (x, y) in [(&local.a, &next.a), (&local.e, &next.e)] {
            for j in 0..3 {
                for i in 0..32 {
                    to_next(x[j][i].into(), y[j + 1][i]);
                }
            }
        }
        let (a_last, e_last) = (limbs(&a3), limbs(&e3));
        for i in 0..2 {
            to_next(a_last[i].clone(), next.d[i]);
            to_next(e_last[i].clone(), next.h[i]);
            for j in 0..15 {
                to_next(local.window[j + 1][i].into(), next.window[j][i]);
            }
            to_next(w[i].clone(), next.window[15][i]);
            for j in 0..8 {
                to_next(local.h_in[j][i].into(), next.h_in[j][i]);
            }
        }

        // --- Which compression: the same on all 64 rows. ---
        let is_real: AB::Expr = local.is_real.into();
        builder.assert_bool(is_real.clone());
        builder.assert_bool(local.writable);
        builder.assert_eq(local.is_first, first.clone() * is_real.clone());
        builder.assert_eq(
            local.is_last,
            (AB::Expr::ONE - not_last.clone()) * is_real.clone(),
        );
        builder.assert_eq(
            local.reads,
            (AB::Expr::ONE - sched_round.clone()) * is_real.clone(),
        );
        for (now, then) in [
            (local.is_real, next.is_real),
            (local.clk, next.clk),
            (local.k, next.k),
            (local.wb, next.wb),
        ] {
            builder.assert_zero(not_last.clone() * (then.into() - now.into()));
        }
        builder.assert_zero(first.clone() * (local.addr.into() - local.wb.into()));
        builder
            .assert_zero(not_last.clone() * (next.addr.into() - local.addr.into() - AB::Expr::ONE));
        // W[t] for t < 16: the memory word's bytes, big-endian.
        let value: [AB::Expr; 4] = core::array::from_fn(|i| local.w[3 - i].into());
        local.access.eval(
            builder,
            local.addr.into(),
            value.clone(),
            value,
            local.writable.into(),
            local.clk.into() * k(4) + AB::Expr::from_usize(slot::BLOCK),
            local.reads.into(),
        );
        // The chain: H in on round 0, H' out on round 63.
        let chain = |k_: AB::Expr, wb: AB::Expr, h: [[AB::Expr; 2]; 8]| {
            let mut m = vec![local.clk.into(), k_, wb];
            m.extend(h.into_iter().flatten());
            m
        };
        let h_in: [[AB::Expr; 2]; 8] = local.h_in.map(|l| l.map(Into::into));
        builder.push_interaction(
            bus::SHA,
            chain(local.k.into(), local.wb.into(), h_in),
            Count::bounded(-local.is_first.into(), 1),
        );
        builder.push_interaction(
            bus::SHA,
            chain(
                local.k.into() + AB::Expr::ONE,
                local.wb.into() + k(16),
                h_out::<AB>(local),
            ),
            Count::bounded(local.is_last.into(), 1),
        );

        // --- Round 0 starts from H: a(0..-3) = H0..H3, e(0..-3) = H4..H7. ---
        let start: [[AB::Expr; 2]; 8] = [
            limbs(&a1),
            limbs(&a2),
            limbs(&a3),
            d,
            limbs(&e1),
            limbs(&e2),
            limbs(&e3),
            h,
        ];
        for (value, hj) in start.iter().zip(&local.h_in) {
            for i in 0..2 {
                builder.assert_zero(first.clone() * (value[i].clone() - hj[i].into()));
            }
        }
    }
}

/// `H'`, the compression's output, as the last round's row gives it: `H + (a,
/// ..., h)` with the carries `out_carry` (whoever receives `H'` checks its
/// limbs are 16-bit, which makes the carries the true ones).
pub fn h_out<AB: AirBuilder>(local: &ShaRoundCols<AB::Var>) -> [[AB::Expr; 2]; 8] {
    let words = [
        &local.a[0],
        &local.a[1],
        &local.a[2],
        &local.a[3],
        &local.e[0],
        &local.e[1],
        &local.e[2],
        &local.e[3],
    ];
    core::array::from_fn(|j| {
        let work = limbs(&words[j].map(Into::into));
        let c: [AB::Expr; 2] = local.out_carry[j].map(Into::into);
        let base = AB::Expr::from_u32(1 << 16);
        [
            local.h_in[j][0].into() + work[0].clone() - c[0].clone() * base.clone(),
            local.h_in[j][1].into() + work[1].clone() + c[0].clone() - c[1].clone() * base,
        ]
    })
}

fn bits_of<F: Field>(v: u32) -> [F; 32] {
    core::array::from_fn(|i| F::from_bool((v >> i) & 1 == 1))
}

fn limbs_of<F: Field>(v: u32) -> [F; 2] {
    [F::from_u32(v & 0xffff), F::from_u32(v >> 16)]
}

fn bytes_of<F: Field>(v: u32) -> [F; 4] {
    v.to_le_bytes().map(|b| F::from_u8(b))
}

/// Which compression a padding or real one is (see [`populate`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Compression {
    /// A real compression of an ECALL (padding sends nothing).
    pub is_real: bool,
    /// The ECALL's clock.
    pub clk: u32,
    /// Its index within the ECALL.
    pub k: u32,
    /// Its block's first word.
    pub wb: u32,
}

/// Fills the 64 rows of `which` compression of `block` (its 16 words as
/// SHA-256 reads them: big-endian from the bytes) into the state `h`, and
/// records its lookups; returns the new state. The block reads' `access`
/// and `writable` are the memory argument's, filled by the caller.
pub fn populate<F: Field>(
    rows: &mut [ShaRoundCols<F>],
    which: Compression,
    h: [u32; 8],
    block: [u32; 16],
    lookups: &mut Lookups,
) -> [u32; 8] {
    assert_eq!(rows.len(), ROUNDS, "a compression is 64 rows");
    let mut w = [0u32; ROUNDS];
    w[..16].copy_from_slice(&block);
    let s0 = |x: u32| x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3);
    let s1 = |x: u32| x.rotate_right(17) ^ x.rotate_right(19) ^ (x >> 10);
    // a(t) and e(t) for t = -3..=64, at index t + 3.
    let (mut a, mut e) = ([0u32; ROUNDS + 4], [0u32; ROUNDS + 4]);
    for j in 0..4 {
        a[3 - j] = h[j];
        e[3 - j] = h[4 + j];
    }
    for (t, row) in rows.iter_mut().enumerate() {
        // The window holds W[t-16..t] (zeros before the block).
        let win: [u32; 16] = core::array::from_fn(|j| (t + j).checked_sub(16).map_or(0, |i| w[i]));
        let sched_lo =
            (s1(win[14]) & 0xffff) + (win[9] & 0xffff) + (s0(win[1]) & 0xffff) + (win[0] & 0xffff);
        let sched_hi = (s1(win[14]) >> 16)
            + (win[9] >> 16)
            + (s0(win[1]) >> 16)
            + (win[0] >> 16)
            + (sched_lo >> 16);
        let sched = (sched_lo & 0xffff) | (sched_hi & 0xffff) << 16;
        if t >= 16 {
            w[t] = sched;
        }
        let i = t + 3;
        let (big_s1, big_s0) = (
            e[i].rotate_right(6) ^ e[i].rotate_right(11) ^ e[i].rotate_right(25),
            a[i].rotate_right(2) ^ a[i].rotate_right(13) ^ a[i].rotate_right(22),
        );
        let ch = (e[i] & e[i - 1]) ^ (!e[i] & e[i - 2]);
        let maj = (a[i] & a[i - 1]) ^ (a[i] & a[i - 2]) ^ (a[i - 1] & a[i - 2]);
        let (lo, hi) = (|x: u32| u64::from(x & 0xffff), |x: u32| u64::from(x >> 16));
        let t1 =
            [lo, hi].map(|part| part(e[i - 3]) + part(big_s1) + part(ch) + part(K[t]) + part(w[t]));
        let t2 = [lo, hi].map(|part| part(big_s0) + part(maj));
        let e_lo = lo(a[i - 3]) + t1[0];
        let e_hi = hi(a[i - 3]) + t1[1] + (e_lo >> 16);
        let a_lo = t1[0] + t2[0];
        let a_hi = t1[1] + t2[1] + (a_lo >> 16);
        e[i + 1] = ((e_lo & 0xffff) | (e_hi & 0xffff) << 16) as u32;
        a[i + 1] = ((a_lo & 0xffff) | (a_hi & 0xffff) << 16) as u32;

        for j in 0..4 {
            row.a[j] = bits_of(a[i + 1 - j]);
            row.e[j] = bits_of(e[i + 1 - j]);
        }
        row.d = limbs_of(a[i - 3]);
        row.h = limbs_of(e[i - 3]);
        let carries = |lo: u64, hi: u64| [(lo >> 16) as u32, (hi >> 16) as u32];
        let [ac, ec] = [carries(a_lo, a_hi), carries(e_lo, e_hi)];
        row.a_carry = ac.map(F::from_u32);
        row.e_carry = ec.map(F::from_u32);
        lookups.range(ac[0], ac[1]);
        lookups.range(ec[0], ec[1]);
        row.window = win.map(limbs_of);
        row.w2 = bits_of(win[14]);
        row.w15 = bits_of(win[1]);
        row.w = bytes_of(w[t]);
        row.sched = bytes_of(sched);
        let sc = [sched_lo >> 16, sched_hi >> 16];
        row.sched_carry = sc.map(F::from_u32);
        lookups.range(sc[0], sc[1]);
        let [b0, b1, b2, b3] = sched.to_le_bytes().map(u32::from);
        lookups.range(b0, b1);
        lookups.range(b2, b3);
        row.h_in = h.map(limbs_of);
        let real = F::from_bool(which.is_real);
        row.is_real = real;
        row.is_first = if t == 0 { real } else { F::ZERO };
        row.is_last = if t == ROUNDS - 1 { real } else { F::ZERO };
        row.reads = if t < 16 { real } else { F::ZERO };
        row.clk = F::from_u32(which.clk);
        row.k = F::from_u32(which.k);
        row.wb = F::from_u32(which.wb);
        row.addr = F::from_u32(which.wb + t as u32);
    }
    let work = [a[67], a[66], a[65], a[64], e[67], e[66], e[65], e[64]];
    let out: [u32; 8] = core::array::from_fn(|j| h[j].wrapping_add(work[j]));
    let last = &mut rows[ROUNDS - 1];
    for j in 0..8 {
        let lo = (h[j] & 0xffff) + (work[j] & 0xffff);
        let hi = (h[j] >> 16) + (work[j] >> 16) + (lo >> 16);
        last.out_carry[j] = [lo >> 16, hi >> 16].map(F::from_u32);
    }
    out
}

#[cfg(test)]
mod tests;
