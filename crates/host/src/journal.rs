//! Typed I/O with the guest: framing values for its input, and the journal
//! it committed, raw and decoded. The frame format is `ember_abi::frame`.

use ember_abi::frame;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Error;

/// Encodes `value` as one frame (u32 LE length + postcard bytes), as the
/// guest's `env::read` expects.
pub fn encode_frame<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let body = postcard::to_allocvec(value).map_err(Error::Encode)?;
    let len = u32::try_from(body.len()).map_err(|_| Error::TooLarge { len: body.len() })?;
    let mut out = Vec::with_capacity(frame::LEN_BYTES + body.len());
    out.extend_from_slice(&frame::header(len));
    out.extend_from_slice(&body);
    Ok(out)
}

/// The journal: the public output of a run, which the claim commits to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Journal {
    /// The bytes the guest wrote to the journal, in order.
    pub bytes: Vec<u8>,
}

impl Journal {
    /// Decodes a journal holding exactly one committed value.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let mut decoder = self.decoder();
        let value = decoder.read()?;
        match decoder.rest.len() {
            0 => Ok(value),
            left => Err(Error::TrailingJournal { left }),
        }
    }

    /// A decoder for journals holding several committed values, in order.
    pub fn decoder(&self) -> JournalDecoder<'_> {
        JournalDecoder {
            rest: &self.bytes,
            offset: 0,
        }
    }
}

/// Reads committed values from a journal one at a time.
pub struct JournalDecoder<'a> {
    rest: &'a [u8],
    offset: usize,
}

impl<'a> JournalDecoder<'a> {
    /// Decodes the next committed value (`env::commit`).
    pub fn read<T: DeserializeOwned>(&mut self) -> Result<T, Error> {
        let offset = self.offset;
        let body = self.read_bytes()?;
        postcard::from_bytes(body).map_err(|source| Error::Decode { offset, source })
    }

    /// The next committed frame's raw bytes (`env::commit_slice`).
    pub fn read_bytes(&mut self) -> Result<&'a [u8], Error> {
        let offset = self.offset;
        let short = || Error::ShortJournal { offset };
        let header = self.rest.get(..frame::LEN_BYTES).ok_or_else(short)?;
        let len = u32::from_le_bytes(header.try_into().expect("4 bytes")) as usize;
        let end = frame::LEN_BYTES.checked_add(len).ok_or_else(short)?;
        let body = self.rest.get(frame::LEN_BYTES..end).ok_or_else(short)?;
        self.rest = &self.rest[end..];
        self.offset += end;
        Ok(body)
    }

    /// True when every byte has been decoded.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }
}
