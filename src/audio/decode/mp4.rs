//! The encoder priming an MP4 file's edit list asks players to skip, read from the `moov` box
//! before the decoder opens the file.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use super::read_up_to;

/// The encoder priming an MP4 file's edit list tells players to skip, as (media time, media
/// timescale) of the first audio track's first edit. AAC encoders put 1024 or more frames of
/// priming in front of the audio; without this every redaction would land that much early.
/// Any oddity (no `moov` within reach, no edit list) gives `None`.
pub(super) fn mp4_priming(file: &mut File, len: u64) -> Option<(u64, u32)> {
    const MAX_MOOV: u64 = 64 << 20;
    let mut at = 0u64;
    let mut header = [0u8; 16];
    let moov = loop {
        file.seek(SeekFrom::Start(at)).ok()?;
        if read_up_to(file, &mut header) < 8 {
            return None;
        }
        let (kind, size, head_len) = box_header(&header, len - at)?;
        if at == 0 && &kind != b"ftyp" {
            return None;
        }
        if &kind == b"moov" {
            if size > MAX_MOOV {
                return None;
            }
            let mut body = vec![0u8; (size - head_len) as usize];
            file.seek(SeekFrom::Start(at + head_len)).ok()?;
            file.read_exact(&mut body).ok()?;
            break body;
        }
        at = at.checked_add(size)?;
    };
    for trak in children(&moov, b"trak") {
        let mdia = children(trak, b"mdia").next()?;
        let hdlr = children(mdia, b"hdlr").next()?;
        if hdlr.get(8..12) != Some(b"soun") {
            continue;
        }
        let mdhd = children(mdia, b"mdhd").next()?;
        let timescale = match mdhd.first()? {
            0 => u32::from_be_bytes(mdhd.get(12..16)?.try_into().ok()?),
            _ => u32::from_be_bytes(mdhd.get(20..24)?.try_into().ok()?),
        };
        let elst = children(children(trak, b"edts").next()?, b"elst").next()?;
        let media_time = match elst.first()? {
            0 => i64::from(i32::from_be_bytes(elst.get(12..16)?.try_into().ok()?)),
            _ => i64::from_be_bytes(elst.get(16..24)?.try_into().ok()?),
        };
        return u64::try_from(media_time).ok().map(|t| (t, timescale));
    }
    None
}

/// Type, total size and header length of the box at the start of `bytes`.
fn box_header(bytes: &[u8], remaining: u64) -> Option<([u8; 4], u64, u64)> {
    let size = u32::from_be_bytes(bytes.get(0..4)?.try_into().ok()?);
    let kind: [u8; 4] = bytes.get(4..8)?.try_into().ok()?;
    let (size, head_len) = match size {
        0 => (remaining, 8),
        1 => (u64::from_be_bytes(bytes.get(8..16)?.try_into().ok()?), 16),
        n => (u64::from(n), 8),
    };
    (size >= head_len && size <= remaining).then_some((kind, size, head_len))
}

/// The bodies of the child boxes of type `kind` inside a box body.
fn children<'a>(body: &'a [u8], kind: &'a [u8; 4]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        while at < body.len() {
            let rest = &body[at..];
            let (k, size, head_len) = box_header(rest, rest.len() as u64)?;
            let child = &rest[head_len as usize..size as usize];
            at += size as usize;
            if &k == kind {
                return Some(child);
            }
        }
        None
    })
}
