//! Columns as types: a table's row is a `#[repr(C)]` struct generic over the
//! cell type `T`, borrowed from the row slice (`let row: &CpuCols<AB::Var> =
//! main.current_slice().borrow()`), with its width and its column map
//! (`CpuCols<usize>`, each field holding its own index) computed at compile
//! time, as Plonky3's own AIRs do. This module holds the one `unsafe` cast
//! that makes a row slice a struct, for every column type.

/// A row layout: a `#[repr(C)]` struct whose fields are all `T`, arrays of
/// `T`, or other row layouts of `T`, so that it has the size and alignment
/// of `[T; WIDTH]` and every field sits at the offset of its columns.
///
/// # Safety
/// Implement it (through [`columns!`](crate::columns)) only for such
/// structs: [`borrow_row`] reinterprets a `[T]` of the right length as
/// `Self`.
pub unsafe trait Row<T>: Sized {
    /// How many columns.
    const WIDTH: usize;
}

/// `row` as the layout `C`. Panics if `row` is not exactly `C::WIDTH` long.
pub fn borrow_row<T, C: Row<T>>(row: &[T]) -> &C {
    assert_eq!(row.len(), C::WIDTH, "a row of the wrong width");
    // SAFETY: `Row` promises that `C` is a `#[repr(C)]` struct made only of
    // `T`s (directly, in arrays or in nested such structs): its size is
    // `WIDTH * size_of::<T>()`, its alignment `T`'s, with no padding, and
    // every bit pattern of the `T`s is a valid `C`. `row` holds exactly
    // `WIDTH` initialised, aligned `T`s, and the returned reference
    // borrows `row`, so it neither outlives nor aliases it mutably.
    unsafe { &*row.as_ptr().cast::<C>() }
}

/// `row` as the layout `C`, mutably. Panics if `row` is not exactly
/// `C::WIDTH` long.
pub fn borrow_row_mut<T, C: Row<T>>(row: &mut [T]) -> &mut C {
    assert_eq!(row.len(), C::WIDTH, "a row of the wrong width");
    // SAFETY: as in `borrow_row`; the returned reference borrows `row`
    // mutably, so it is the only access to those `T`s while it lives.
    unsafe { &mut *row.as_mut_ptr().cast::<C>() }
}

/// The column map of a layout of width `N`: the layout with each cell
/// holding its own index.
pub const fn column_map<C: Row<usize>, const N: usize>() -> C {
    assert!(N == C::WIDTH, "the map's width is the layout's");
    assert!(core::mem::size_of::<C>() == N * core::mem::size_of::<usize>());
    let mut indices = [0usize; N];
    let mut i = 0;
    while i < N {
        indices[i] = i;
        i += 1;
    }
    // SAFETY: `C` is a `Row<usize>` of width `N` (asserted above, with its
    // size): a `#[repr(C)]` struct of exactly `N` `usize`s in order, so the
    // array of `N` `usize`s is a valid `C`, field by field.
    unsafe { core::mem::transmute_copy::<[usize; N], C>(&indices) }
}

/// Declares `$cols` (a `#[repr(C)]` struct generic over `T`, made only of
/// `T`s) a row layout: implements [`Row`], `Borrow`/`BorrowMut` from `[T]`,
/// and defines `$width` (its column count) and `$map` (its column map).
#[macro_export]
macro_rules! columns {
    ($cols:ident, $width:ident, $map:ident) => {
        /// Columns of this layout.
        pub const $width: usize = ::core::mem::size_of::<$cols<u8>>();

        /// Each column's index, by name.
        pub const $map: $cols<usize> = $crate::cols::column_map::<$cols<usize>, $width>();

        // SAFETY: the struct is `#[repr(C)]` and made only of `T`s (its
        // definition above); its width is its size in bytes over `u8`.
        unsafe impl<T> $crate::cols::Row<T> for $cols<T> {
            const WIDTH: usize = $width;
        }

        impl<T> ::core::borrow::Borrow<$cols<T>> for [T] {
            fn borrow(&self) -> &$cols<T> {
                $crate::cols::borrow_row(self)
            }
        }

        impl<T> ::core::borrow::BorrowMut<$cols<T>> for [T] {
            fn borrow_mut(&mut self) -> &mut $cols<T> {
                $crate::cols::borrow_row_mut(self)
            }
        }
    };
}

/// A row of the layout `C` with every cell zero.
pub fn zeroed<F: p3_field::Field, C: Row<F> + Copy>() -> C {
    *borrow_row::<F, C>(&F::zero_vec(C::WIDTH))
}
