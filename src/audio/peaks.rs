//! Waveform peaks for the reviewer's player, computed on the reviewer copy's samples as they are
//! written, before they are encoded.
//!
//! Format: JSON in the layout of BBC audiowaveform's version 2 files, which several players read
//! directly:
//!
//! ```json
//! {"version":2,"channels":1,"sample_rate":8000,"samples_per_pixel":80,"bits":8,
//!  "length":3,"data":[-12,14,-60,58,-3,2]}
//! ```
//!
//! `data` holds, per bucket of `samples_per_pixel` frames, the minimum and the maximum of each
//! channel in turn (`min0,max0,min1,max1,…`), scaled to -127..127. Divide by 127 for the -1..1
//! arrays wavesurfer.js takes as `peaks` (one array per channel, min and max alternating).
//!
//! Buckets start at 10 ms. So that a long call still yields a small file for a phone on a slow
//! connection, the list stays under [`MAX_BUCKETS`]: when it would reach it, neighbouring buckets
//! are merged and the bucket length doubles. A 60-minute call thus gets 0.64 s buckets (5,625 of
//! them, ~45 kB of JSON per channel before compression), still finer than a screen's pixels.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::AudioError;

/// Upper bound on the number of buckets in a peaks file.
pub const MAX_BUCKETS: usize = 8192;
/// The finest bucket, in milliseconds.
pub const MIN_BUCKET_MS: u32 = 10;

pub struct Peaks {
    sample_rate: u32,
    channels: usize,
    bucket_len: usize,
    /// Finished buckets: per bucket, `channels` pairs of (min, max).
    data: Vec<(f32, f32)>,
    /// The bucket being filled.
    current: Vec<(f32, f32)>,
    filled: usize,
}

impl Peaks {
    pub fn new(sample_rate: u32, channels: usize) -> Self {
        let channels = channels.max(1);
        Peaks {
            sample_rate,
            channels,
            bucket_len: (sample_rate as usize * MIN_BUCKET_MS as usize / 1000).max(1),
            data: Vec::new(),
            current: vec![EMPTY; channels],
            filled: 0,
        }
    }

    /// Adds a block of planes (equal lengths, one per channel).
    pub fn push(&mut self, planes: &[Vec<f32>]) {
        let frames = planes.iter().map(Vec::len).min().unwrap_or(0);
        let mut pos = 0;
        while pos < frames {
            let take = (self.bucket_len - self.filled).min(frames - pos);
            for (acc, plane) in self.current.iter_mut().zip(planes) {
                let (lo, hi) = min_max(&plane[pos..pos + take]);
                acc.0 = acc.0.min(lo);
                acc.1 = acc.1.max(hi);
            }
            pos += take;
            self.filled += take;
            if self.filled == self.bucket_len {
                self.close_bucket();
            }
        }
    }

    /// `samples_per_pixel`, the bucket length in frames (it grows for long recordings).
    pub fn bucket_len(&self) -> usize {
        self.bucket_len
    }

    /// Completed buckets followed by the partial one, as (min, max) per channel, in -1..1.
    pub fn buckets(&self) -> impl Iterator<Item = &[(f32, f32)]> {
        let partial = (self.filled > 0).then_some(&self.current[..]);
        self.data.chunks(self.channels).chain(partial)
    }

    pub fn write(&self, path: &Path) -> Result<(), AudioError> {
        let io = |e| AudioError::io("write", path, e);
        let mut out = BufWriter::new(File::create(path).map_err(io)?);
        let mut json = String::with_capacity(64 + self.data.len() * 8);
        let length = self.buckets().count();
        json.push_str(&format!(
            "{{\"version\":2,\"channels\":{},\"sample_rate\":{},\"samples_per_pixel\":{},\
             \"bits\":8,\"length\":{length},\"data\":[",
            self.channels, self.sample_rate, self.bucket_len
        ));
        let mut first = true;
        for bucket in self.buckets() {
            for &(lo, hi) in bucket {
                for v in [lo, hi] {
                    if !first {
                        json.push(',');
                    }
                    first = false;
                    json.push_str(&scale(v).to_string());
                }
            }
        }
        json.push_str("]}\n");
        out.write_all(json.as_bytes()).map_err(io)?;
        out.flush().map_err(io)
    }

    fn close_bucket(&mut self) {
        self.data.extend_from_slice(&self.current);
        self.current.fill(EMPTY);
        self.filled = 0;
        if self.data.len() / self.channels >= MAX_BUCKETS {
            self.halve();
        }
    }

    /// Merges neighbouring buckets and doubles the bucket length.
    fn halve(&mut self) {
        let c = self.channels;
        let buckets = self.data.len() / c;
        for i in 0..buckets / 2 {
            for ch in 0..c {
                let a = self.data[2 * i * c + ch];
                let b = self.data[(2 * i + 1) * c + ch];
                self.data[i * c + ch] = (a.0.min(b.0), a.1.max(b.1));
            }
        }
        self.data.truncate(buckets / 2 * c);
        self.bucket_len *= 2;
    }
}

const EMPTY: (f32, f32) = (f32::INFINITY, f32::NEG_INFINITY);

fn min_max(block: &[f32]) -> (f32, f32) {
    // Eight independent lanes let the compiler vectorise the scan. `f32::min`/`max` (NaN is
    // ignored) vectorise cleanly; a hand-written compare-and-select came out full of lane
    // shuffles and ran at less than half the speed.
    let mut lo = [f32::INFINITY; 8];
    let mut hi = [f32::NEG_INFINITY; 8];
    let chunks = block.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for k in 0..8 {
            lo[k] = lo[k].min(chunk[k]);
            hi[k] = hi[k].max(chunk[k]);
        }
    }
    let mut l = lo.iter().copied().fold(f32::INFINITY, f32::min);
    let mut h = hi.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    for &s in rest {
        l = l.min(s);
        h = h.max(s);
    }
    (l, h)
}

fn scale(v: f32) -> i32 {
    if !v.is_finite() {
        return 0;
    }
    (v.clamp(-1.0, 1.0) * 127.0).round() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peaks_of_a_known_signal() {
        // 8 kHz: 80-frame buckets. A square wave of ±0.5 in the first bucket, then silence,
        // then a ramp up to 1.0 in the third bucket, then half a bucket of -1.
        let mut left = vec![0.0f32; 280];
        for (i, s) in left[..80].iter_mut().enumerate() {
            *s = if i % 2 == 0 { 0.5 } else { -0.5 };
        }
        for (i, s) in left[160..240].iter_mut().enumerate() {
            *s = (i + 1) as f32 / 80.0;
        }
        left[240..].fill(-1.0);
        let right: Vec<f32> = left.iter().map(|s| s * 0.5).collect();
        let mut peaks = Peaks::new(8000, 2);
        for (l, r) in left.chunks(37).zip(right.chunks(37)) {
            peaks.push(&[l.to_vec(), r.to_vec()]);
        }
        let got: Vec<Vec<(i32, i32)>> = peaks
            .buckets()
            .map(|b| b.iter().map(|&(lo, hi)| (scale(lo), scale(hi))).collect())
            .collect();
        assert_eq!(
            got,
            vec![
                vec![(-64, 64), (-32, 32)],
                vec![(0, 0), (0, 0)],
                vec![(2, 127), (1, 64)],
                vec![(-127, -127), (-64, -64)],
            ]
        );

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        peaks.write(&path).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(json["length"], 4);
        assert_eq!(json["channels"], 2);
        assert_eq!(json["samples_per_pixel"], 80);
        assert_eq!(json["data"].as_array().unwrap().len(), 16);
        assert_eq!(json["data"][0], -64);
    }

    #[test]
    fn long_recordings_stay_under_the_bucket_cap() {
        let mut peaks = Peaks::new(8000, 1);
        let block = vec![0.25f32; 8000];
        for _ in 0..3600 {
            peaks.push(std::slice::from_ref(&block));
        }
        let n = peaks.buckets().count();
        assert!((MAX_BUCKETS / 2..MAX_BUCKETS).contains(&n), "{n} buckets");
        assert_eq!(peaks.bucket_len() * n, 8000 * 3600);
        assert!(peaks.buckets().all(|b| scale(b[0].1) == 32));
    }
}
