//! The framing Ember's files share: magic bytes, a format version (u16 LE),
//! then one postcard value and nothing after it.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why framed bytes did not decode.
pub(crate) enum FrameError {
    BadMagic,
    UnknownVersion(u16),
    Truncated,
    Garbled(postcard::Error),
    TrailingBytes(usize),
}

/// `magic`, `version`, then `body` in postcard.
pub(crate) fn write(magic: &[u8], version: u16, body: &impl Serialize) -> Vec<u8> {
    let mut out = magic.to_vec();
    out.extend(version.to_le_bytes());
    // Writing to a Vec fails only if a Serialize impl does, and Ember's
    // and Plonky3's are derived.
    postcard::to_extend(body, out).expect("a derived Serialize always writes")
}

/// The body of bytes written by [`write`] with this `magic` and `version`.
pub(crate) fn read<T: DeserializeOwned>(
    bytes: &[u8],
    magic: &[u8],
    version: u16,
) -> Result<T, FrameError> {
    let rest = bytes.strip_prefix(magic).ok_or(FrameError::BadMagic)?;
    let (found, body) = rest.split_first_chunk::<2>().ok_or(FrameError::Truncated)?;
    let found = u16::from_le_bytes(*found);
    if found != version {
        return Err(FrameError::UnknownVersion(found));
    }
    let (value, trailing) = postcard::take_from_bytes(body).map_err(|e| match e {
        postcard::Error::DeserializeUnexpectedEnd => FrameError::Truncated,
        e => FrameError::Garbled(e),
    })?;
    if !trailing.is_empty() {
        return Err(FrameError::TrailingBytes(trailing.len()));
    }
    Ok(value)
}
