//! An owner uploads calls in whatever format their recorder produces; the reviewer copy is a
//! small mono MP3 that plays, lasts as long as the call, carries both sides of a stereo call, and
//! carries nothing of the original file: no tag, no cover image. Damaged or foreign files are
//! refused with a clear error, never a crash.
//!
//! The recordings are made at test time with espeak-ng, sox and ffmpeg, which must be installed
//! (`apt-get install ffmpeg sox espeak-ng`): without them these tests fail rather than skip.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use callqa::audio::{
    self, AnonymizeOptions, AudioError, CopyFormat, OperatorChannel, Redaction, RedactionMode,
    VoiceMode, VoiceParams,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::helpers::{contains_bytes, decode_audio, encodings_of};

/// Tag values an original file might carry: an operator's name (Cyrillic, so ID3v2.3 stores it
/// as UTF-16), a customer's number, a date, a file title.
const CANARIES: [&str; 4] = [
    "CanaryTitle7Q",
    "Оператор Канарейкина",
    "+7 900 555-01-99",
    "2031-02-03 CanaryDate",
];

fn run(cmd: &mut Command) {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let output = cmd.output().unwrap_or_else(|e| {
        panic!(
            "cannot run {program} ({e}): the audio tests need ffmpeg, sox and espeak-ng \
             (apt-get install ffmpeg sox espeak-ng)"
        )
    });
    assert!(
        output.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn ffmpeg(args: &[&str]) {
    run(Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y"])
        .args(args));
}

/// Seconds of audio in a file, as ffprobe sees it.
fn ffprobe_seconds(path: &Path) -> f64 {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .expect("ffprobe (part of ffmpeg) is needed by the audio tests");
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// Spoken sources: `mono.wav` (one voice) and `stereo.wav` (operator left, customer right), both
/// 8 kHz PCM16 without any tag.
struct Sources {
    dir: tempfile::TempDir,
}

impl Sources {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let say = |voice: &str, text: &str, file: &str| {
            run(Command::new("espeak-ng")
                .args(["-v", voice, "-s", "165", "-w"])
                .arg(d.join(file))
                .arg(text));
        };
        say(
            "en-us",
            "Good afternoon, you are calling the kettle shop, my name is Anna. How can I help?",
            "operator.wav",
        );
        say(
            "en-gb+f3",
            "Hello, I would like to order the blue kettle that is on sale this week, please.",
            "customer.wav",
        );
        run(Command::new("sox")
            .arg(d.join("operator.wav"))
            .args(["-r", "8000", "-c", "1", "-b", "16"])
            .arg(d.join("mono.wav")));
        ffmpeg(&[
            "-i",
            d.join("operator.wav").to_str().unwrap(),
            "-i",
            d.join("customer.wav").to_str().unwrap(),
            "-filter_complex",
            "[0:a][1:a]amerge=inputs=2,aresample=8000",
            "-ac",
            "2",
            "-c:a",
            "pcm_s16le",
            d.join("stereo.wav").to_str().unwrap(),
        ]);
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "color=c=red:s=32x32",
            "-frames:v",
            "1",
            d.join("cover.png").to_str().unwrap(),
        ]);
        Sources { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Encodes `source` (`mono.wav` or `stereo.wav`) with the given codec arguments and every
    /// canary written as a tag.
    fn encode(&self, source: &str, name: &str, codec: &[&str]) -> PathBuf {
        let out = self.path(name);
        let mut args: Vec<String> = vec![
            "-i".into(),
            self.dir.path().join(source).to_str().unwrap().into(),
        ];
        args.extend(codec.iter().map(|s| s.to_string()));
        for (key, value) in ["title", "artist", "comment", "date"].iter().zip(CANARIES) {
            args.push("-metadata".into());
            args.push(format!("{key}={value}"));
        }
        args.push(out.to_str().unwrap().into());
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        ffmpeg(&refs);
        out
    }
}

/// Every encoding a canary could take in a file: UTF-8, UTF-16LE, UTF-16BE.
fn canary_patterns() -> Vec<(String, Vec<u8>)> {
    let mut patterns = encodings_of(&CANARIES);
    // The cover image, by its PNG signature.
    patterns.push(("cover PNG".into(), b"\x89PNG\r\n".to_vec()));
    patterns
}

struct Case {
    name: &'static str,
    source: &'static str,
    codec: &'static [&'static str],
    /// How far the decoded duration may drift from the source, in ms.
    tolerance_ms: u64,
}

const CASES: &[Case] = &[
    Case {
        name: "pcm16.wav",
        source: "mono.wav",
        codec: &["-c:a", "pcm_s16le"],
        tolerance_ms: 2,
    },
    Case {
        name: "pcm16_stereo.wav",
        source: "stereo.wav",
        codec: &["-c:a", "pcm_s16le"],
        tolerance_ms: 2,
    },
    Case {
        name: "ulaw.wav",
        source: "mono.wav",
        codec: &["-c:a", "pcm_mulaw"],
        tolerance_ms: 2,
    },
    Case {
        name: "alaw.wav",
        source: "stereo.wav",
        codec: &["-c:a", "pcm_alaw"],
        tolerance_ms: 2,
    },
    // ADPCM pads the last block (up to ~1000 frames here): the padding plays as silence.
    Case {
        name: "ima_adpcm.wav",
        source: "mono.wav",
        codec: &["-c:a", "adpcm_ima_wav"],
        tolerance_ms: 130,
    },
    Case {
        name: "ms_adpcm_stereo.wav",
        source: "stereo.wav",
        codec: &["-c:a", "adpcm_ms"],
        tolerance_ms: 130,
    },
    Case {
        name: "id3v23.mp3",
        source: "mono.wav",
        codec: &[
            "-c:a",
            "libmp3lame",
            "-b:a",
            "32k",
            "-id3v2_version",
            "3",
            "-write_id3v1",
            "1",
        ],
        tolerance_ms: 80,
    },
    Case {
        name: "id3v24_stereo.mp3",
        source: "stereo.wav",
        codec: &["-c:a", "libmp3lame", "-b:a", "48k", "-id3v2_version", "4"],
        tolerance_ms: 80,
    },
    Case {
        name: "mono.flac",
        source: "mono.wav",
        codec: &["-c:a", "flac"],
        tolerance_ms: 2,
    },
    Case {
        name: "stereo.flac",
        source: "stereo.wav",
        codec: &["-c:a", "flac"],
        tolerance_ms: 2,
    },
    Case {
        name: "mono.ogg",
        source: "mono.wav",
        codec: &["-c:a", "libvorbis", "-q:a", "3"],
        tolerance_ms: 30,
    },
    Case {
        name: "stereo.ogg",
        source: "stereo.wav",
        codec: &["-c:a", "libvorbis", "-q:a", "3"],
        tolerance_ms: 30,
    },
    // AAC: the encoder's priming is skipped (edit list), its end padding plays as silence.
    Case {
        name: "mono.m4a",
        source: "mono.wav",
        codec: &["-c:a", "aac", "-b:a", "24k"],
        tolerance_ms: 100,
    },
    Case {
        name: "stereo.m4a",
        source: "stereo.wav",
        codec: &["-c:a", "aac", "-b:a", "32k"],
        tolerance_ms: 100,
    },
];

/// How much longer than the call its MP3 may decode: the encoder's delay and the last frame's
/// padding (see `callqa::audio::mp3`), in ms at 16 kHz, rounded up.
const MP3_EXTRA_MS: u64 = 106;

#[test]
fn every_format_becomes_a_clean_mono_mp3_of_the_same_length() {
    let sources = Sources::new();
    let out_dir = tempfile::tempdir().unwrap();
    let patterns = canary_patterns();
    let mut failures = Vec::new();
    for (i, case) in CASES.iter().enumerate() {
        let input = sources.encode(case.source, case.name, case.codec);
        let original = std::fs::read(&input).unwrap();
        assert!(
            contains_bytes(&original, CANARIES[0].as_bytes())
                || contains_bytes(
                    &original,
                    &CANARIES[0]
                        .encode_utf16()
                        .flat_map(u16::to_le_bytes)
                        .collect::<Vec<_>>()
                ),
            "{}: the tags were not written, the test proves nothing",
            case.name
        );
        let mp3 = out_dir.path().join(format!("{}.mp3", case.name));
        let peaks = out_dir.path().join(format!("{}.json", case.name));
        let voice = [VoiceMode::Off, VoiceMode::Pitch, VoiceMode::McAdams][i % 3];
        let options = AnonymizeOptions {
            voice,
            seed: Some(i as u64),
            ..AnonymizeOptions::default()
        };
        let report = match audio::anonymize(&input, &mp3, &peaks, &options) {
            Ok(report) => report,
            Err(e) => {
                failures.push(format!("{}: {e}", case.name));
                continue;
            }
        };

        let expected_ms = (ffprobe_seconds(&sources.path(case.source)) * 1000.0).round() as u64;
        let drift = report.duration_ms.abs_diff(expected_ms);
        eprintln!(
            "{:<22} {:>6} ms (source {expected_ms} ms)",
            case.name, report.duration_ms
        );
        if drift > case.tolerance_ms {
            failures.push(format!(
                "{}: {} ms instead of {expected_ms} ms",
                case.name, report.duration_ms
            ));
        }
        assert_eq!(report.format, CopyFormat::Mp3, "{}", case.name);
        assert_eq!(report.channels, 1, "{}", case.name);
        assert_eq!(report.sample_rate, 8000, "{}", case.name);
        assert_eq!(report.copy_rate, 16_000, "{}", case.name);
        assert_eq!(report.unwarped_frames, 0, "{}", case.name);

        // The MP3 as a player decodes it: mono, 16 kHz, as long as the call (plus the encoder's
        // delay), not silent. ffprobe, another decoder, agrees on the length.
        let bytes = std::fs::read(&mp3).unwrap();
        let copy = decode_audio(&bytes);
        assert_eq!(copy.sample_rate, 16_000, "{}", case.name);
        let decoded_ms = copy.duration_ms();
        if !(report.duration_ms..=report.duration_ms + MP3_EXTRA_MS).contains(&decoded_ms) {
            failures.push(format!(
                "{}: the MP3 decodes to {decoded_ms} ms, the call is {} ms",
                case.name, report.duration_ms
            ));
        }
        let probed_ms = (ffprobe_seconds(&mp3) * 1000.0).round() as u64;
        assert!(
            probed_ms.abs_diff(decoded_ms) <= 40,
            "{}: ffprobe {probed_ms} ms, symphonia {decoded_ms} ms",
            case.name
        );
        let loud = copy
            .samples
            .iter()
            .filter(|s| s.unsigned_abs() > 1000)
            .count();
        assert!(
            loud > copy.samples.len() / 20,
            "{}: the copy is nearly silent",
            case.name
        );
        // 16 kbit/s: 2,000 bytes a second, whatever the source's bitrate.
        let per_second = bytes.len() as u64 * 1000 / decoded_ms.max(1);
        assert!(
            (1_950..=2_050).contains(&per_second),
            "{}: {per_second} bytes a second",
            case.name
        );

        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&peaks).unwrap()).unwrap();
        assert_eq!(json["channels"], 1);
        assert_eq!(json["sample_rate"], 8000, "peaks come from the PCM");
        assert!(json["length"].as_u64().unwrap() > 100);

        for path in [&mp3, &peaks] {
            let bytes = std::fs::read(path).unwrap();
            for (what, pattern) in &patterns {
                assert!(
                    !contains_bytes(&bytes, pattern),
                    "{}: {what} found in {}",
                    case.name,
                    path.display()
                );
            }
        }
        // Nothing but MPEG-2 Layer III frames: no ID3v2 tag first, no ID3v1 tag last.
        assert_eq!(
            &bytes[..2],
            b"\xff\xf3",
            "{}: not an MP3 frame first",
            case.name
        );
        assert_ne!(
            &bytes[bytes.len() - 128..][..3],
            b"TAG",
            "{}: an ID3v1 tag",
            case.name
        );
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A stereo recorder puts the operator on one side and the customer on the other: the mono copy
/// carries both, each at half its level.
#[test]
fn both_sides_of_a_stereo_call_are_in_the_mono_copy() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("sides.wav");
    // Left speaks (a tone) in the first second, right in the second.
    let wav = crate::helpers::stereo_wav(16_000, 8000, |n| {
        let tone = ((n as f32 / 8000.0) * 440.0 * std::f32::consts::TAU).sin() * 16_000.0;
        let (left, right) = if n < 8000 { (tone, 0.0) } else { (0.0, tone) };
        (left as i16, right as i16)
    });
    std::fs::write(&input, wav).unwrap();

    let (mp3, peaks) = (dir.path().join("c.mp3"), dir.path().join("c.json"));
    let options = AnonymizeOptions {
        voice: VoiceMode::Off,
        ..AnonymizeOptions::default()
    };
    let report = audio::anonymize(&input, &mp3, &peaks, &options).unwrap();
    assert_eq!((report.source_channels, report.channels), (2, 1));
    let copy = decode_audio(&std::fs::read(&mp3).unwrap());
    let level = |from_ms: usize, to_ms: usize| {
        let at = |ms: usize| ms * copy.sample_rate as usize / 1000;
        copy.samples[at(from_ms)..at(to_ms)]
            .iter()
            .map(|s| s.unsigned_abs())
            .max()
            .unwrap()
    };
    for (side, from, to) in [("left", 200, 800), ("right", 1200, 1800)] {
        let peak = level(from, to);
        assert!((6_500..=9_500).contains(&peak), "{side}: peak {peak}");
    }
}

#[test]
fn a_cover_image_and_a_wrong_extension_do_not_get_through() {
    let sources = Sources::new();
    let with_cover = sources.path("cover.mp3");
    ffmpeg(&[
        "-i",
        sources.path("mono.wav").to_str().unwrap(),
        "-i",
        sources.path("cover.png").to_str().unwrap(),
        "-map",
        "0:a",
        "-map",
        "1",
        "-c:a",
        "libmp3lame",
        "-c:v",
        "copy",
        "-disposition:v",
        "attached_pic",
        "-id3v2_version",
        "3",
        "-metadata",
        &format!("artist={}", CANARIES[1]),
        with_cover.to_str().unwrap(),
    ]);
    assert!(contains_bytes(
        &std::fs::read(&with_cover).unwrap(),
        b"\x89PNG"
    ));
    // The same MP3 named as if it were a WAV: the content decides, not the name.
    let misnamed = sources.path("actually_mp3.wav");
    std::fs::copy(&with_cover, &misnamed).unwrap();

    let out = tempfile::tempdir().unwrap();
    for input in [&with_cover, &misnamed] {
        let copy = out.path().join("out.mp3");
        let peaks = out.path().join("out.json");
        let report = audio::anonymize(input, &copy, &peaks, &AnonymizeOptions::default()).unwrap();
        assert_eq!(report.codec, "mp3");
        let bytes = std::fs::read(&copy).unwrap();
        for (what, pattern) in canary_patterns() {
            assert!(!contains_bytes(&bytes, &pattern), "{what} survived");
        }
    }
}

#[test]
fn marked_ranges_are_silent_or_bleeped_in_the_disguised_copy() {
    let sources = Sources::new();
    let input = sources.encode(
        "mono.wav",
        "call.mp3",
        &["-c:a", "libmp3lame", "-b:a", "32k"],
    );
    let out = tempfile::tempdir().unwrap();
    let (wav, peaks) = (out.path().join("r.wav"), out.path().join("r.json"));
    let mut options = AnonymizeOptions {
        format: CopyFormat::Wav,
        voice: VoiceMode::McAdams,
        redactions: vec![
            Redaction {
                start_ms: 500,
                end_ms: 1500,
                mode: RedactionMode::Bleep,
            },
            Redaction {
                start_ms: 2000,
                end_ms: 2600,
                mode: RedactionMode::Silence,
            },
        ],
        seed: Some(42),
        ..AnonymizeOptions::default()
    };
    let report = audio::anonymize(&input, &wav, &peaks, &options).unwrap();
    assert_ne!(report.voice_params, VoiceParams::NONE);
    let samples: Vec<i16> = hound::WavReader::open(&wav)
        .unwrap()
        .into_samples::<i16>()
        .map(Result::unwrap)
        .collect();
    // 8 kHz: silence covers samples 16000..20800 exactly.
    assert!(samples[16_000..20_800].iter().all(|s| *s == 0));
    assert!(
        samples[15_000..16_000].iter().any(|s| *s != 0)
            || samples[20_800..22_000].iter().any(|s| *s != 0)
    );
    // The bleep: 1 kHz (1000 rising zero crossings a second) at -12 dBFS.
    let bleep = &samples[4_200..11_800];
    let crossings = bleep.windows(2).filter(|w| w[0] < 0 && w[1] >= 0).count();
    assert!(
        (945..=955).contains(&crossings),
        "{crossings} crossings in 0.95 s"
    );
    let peak = bleep.iter().map(|s| s.unsigned_abs()).max().unwrap();
    assert!((8000..=8300).contains(&peak), "bleep peak {peak}");

    // The same in the MP3 reviewers get: 16 kHz, starting up to 70 ms late (the encoder's
    // delay), a boundary smeared over a frame or two.
    options.format = CopyFormat::Mp3;
    let mp3 = out.path().join("r.mp3");
    let mp3_report = audio::anonymize(&input, &mp3, &peaks, &options).unwrap();
    assert_eq!(
        mp3_report.voice_params, report.voice_params,
        "same seed, same disguise"
    );
    let copy = decode_audio(&std::fs::read(&mp3).unwrap());
    let at = |ms: usize| ms * copy.sample_rate as usize / 1000;
    // The silenced range (2.0-2.6 s) comes out 70 ms late, and the speech before it rings
    // into its first ~110 ms (quietly, below -45 dBFS; the hidden speech itself was zeroed
    // before encoding): digital silence from 2.2 s to 2.55 s.
    assert!(copy.samples[at(2200)..at(2550)].iter().all(|s| *s == 0));
    let bleep = &copy.samples[at(600)..at(1450)];
    let crossings = bleep.windows(2).filter(|w| w[0] < 0 && w[1] >= 0).count();
    assert!(
        (845..=855).contains(&crossings),
        "MP3: {crossings} crossings in 0.85 s"
    );
    let peak = bleep.iter().map(|s| s.unsigned_abs()).max().unwrap();
    assert!((7_400..=9_000).contains(&peak), "MP3: bleep peak {peak}");
}

#[test]
fn probe_reports_format_duration_and_channels() {
    let sources = Sources::new();
    let flac = sources.encode("stereo.wav", "s.flac", &["-c:a", "flac"]);
    let info = audio::probe(&flac).unwrap();
    assert_eq!(info.channels, 2);
    assert_eq!(info.sample_rate, 8000);
    assert_eq!(info.codec, "flac");
    let expected = (ffprobe_seconds(&sources.path("stereo.wav")) * 1000.0).round() as u64;
    assert!(info.duration_ms.abs_diff(expected) <= 2);
}

/// Panics raised inside the decoder or our own audio code, counted by a process-wide hook
/// (a panic is turned into an error by `anonymize`, which would otherwise hide it).
static AUDIO_PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_audio_panics() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let file = info
                .location()
                .map(|l| l.file().to_owned())
                .unwrap_or_default();
            if file.contains("symphonia") || file.contains("src/audio") {
                AUDIO_PANICS.fetch_add(1, Ordering::SeqCst);
            }
            previous(info);
        }));
    });
}

#[test]
fn damaged_and_foreign_files_fail_cleanly() {
    count_audio_panics();
    let sources = Sources::new();
    let dir = sources.dir.path();
    let out = dir.join("out.mp3");
    let peaks = dir.join("out.json");
    let attempt = |bytes: &[u8], name: &str| -> Result<u64, AudioError> {
        let input = dir.join(name);
        std::fs::write(&input, bytes).unwrap();
        let result = audio::anonymize(&input, &out, &peaks, &AnonymizeOptions::default());
        if result.is_err() {
            assert!(
                !out.exists() && !dir.join("out.mp3.partial").exists(),
                "{name}: left a file"
            );
        }
        let _ = std::fs::remove_file(&out);
        result.map(|r| r.duration_ms)
    };

    // Empty, random bytes, text with an audio extension.
    assert!(matches!(attempt(b"", "empty.mp3"), Err(AudioError::Empty)));
    let mut rng = StdRng::seed_from_u64(2024);
    let noise: Vec<u8> = (0..50_000).map(|_| rng.random()).collect();
    assert!(matches!(
        attempt(&noise, "noise.wav"),
        Err(AudioError::Unsupported(_))
    ));
    assert!(matches!(
        attempt(
            b"Customer: +7 900 555-01-99\n".repeat(100).as_slice(),
            "notes.mp3"
        ),
        Err(AudioError::Unsupported(_))
    ));

    // Absurd WAV headers: huge sizes, sample rates, channel counts.
    let wav = |channels: u16, rate: u32, data_len: u32, fmt_len: u32| {
        let mut h = Vec::new();
        h.extend_from_slice(b"RIFF");
        h.extend_from_slice(&u32::MAX.to_le_bytes());
        h.extend_from_slice(b"WAVEfmt ");
        h.extend_from_slice(&fmt_len.to_le_bytes());
        h.extend_from_slice(&1u16.to_le_bytes());
        h.extend_from_slice(&channels.to_le_bytes());
        h.extend_from_slice(&rate.to_le_bytes());
        h.extend_from_slice(&rate.wrapping_mul(2 * u32::from(channels)).to_le_bytes());
        h.extend_from_slice(&channels.wrapping_mul(2).to_le_bytes());
        h.extend_from_slice(&16u16.to_le_bytes());
        h.extend_from_slice(b"data");
        h.extend_from_slice(&data_len.to_le_bytes());
        h.extend((0..4000).map(|i| (i % 251) as u8));
        h
    };
    for (channels, rate, data_len, fmt_len, name) in [
        (1, 8000, u32::MAX - 7, 16, "huge_data.wav"),
        (1, u32::MAX, 4000, 16, "huge_rate.wav"),
        (1, 1, 4000, 16, "tiny_rate.wav"),
        (u16::MAX, 8000, 4000, 16, "many_channels.wav"),
        (0, 8000, 4000, 16, "no_channels.wav"),
        (1, 8000, 4000, u32::MAX - 3, "huge_fmt.wav"),
    ] {
        let result = attempt(&wav(channels, rate, data_len, fmt_len), name);
        assert!(
            result.is_err() || name == "huge_data.wav",
            "{name}: {result:?}"
        );
    }

    // Every format, cut at many points, and with its bytes flipped here and there.
    for case in CASES {
        let good = std::fs::read(sources.encode(case.source, case.name, case.codec)).unwrap();
        for cut in [
            0,
            1,
            4,
            12,
            44,
            100,
            400,
            good.len() / 3,
            good.len() / 2,
            good.len() - 7,
        ] {
            let _ = attempt(&good[..cut.min(good.len())], case.name);
        }
        for _ in 0..6 {
            let mut damaged = good.clone();
            for _ in 0..20 {
                let at = rng.random_range(0..damaged.len());
                damaged[at] = rng.random();
            }
            let _ = attempt(&damaged, case.name);
        }
    }
    // Random bodies behind each format's magic bytes.
    let magics: [&[u8]; 7] = [
        b"RIFF\x24\x00\x00\x00WAVEfmt ",
        b"ID3\x03\x00\x00\x00\x00\x10\x00",
        b"\xff\xfb\x90\x64",
        b"fLaC\x00\x00\x00\x22",
        b"OggS\x00\x02",
        b"\x00\x00\x00\x20ftypM4A ",
        b"\xff\xf1\x50\x80",
    ];
    for magic in magics {
        for len in [0usize, 10, 300, 5000] {
            let mut bytes = magic.to_vec();
            bytes.extend((0..len).map(|_| rng.random::<u8>()));
            let _ = attempt(&bytes, "magic.bin");
        }
    }
    assert_eq!(
        AUDIO_PANICS.load(Ordering::SeqCst),
        0,
        "a decoder panicked (see the log above)"
    );
}

#[test]
fn truncated_wav_is_reported_as_truncated() {
    let sources = Sources::new();
    let good = std::fs::read(sources.path("mono.wav")).unwrap();
    let cut = sources.path("cut.wav");
    std::fs::write(&cut, &good[..good.len() / 2]).unwrap();
    let out = sources.path("o.wav");
    let err = audio::anonymize(
        &cut,
        &out,
        &sources.path("o.json"),
        &AnonymizeOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(err, AudioError::Truncated { decoded_ms } if decoded_ms > 500),
        "{err}"
    );
    assert!(err.to_string().contains("truncated"));
}

/// Where a WAV's `data` chunk header starts, found by walking the chunks after `RIFF....WAVE`.
fn data_chunk_at(wav: &[u8]) -> usize {
    let mut at = 12;
    while &wav[at..at + 4] != b"data" {
        let size = u32::from_le_bytes(wav[at + 4..at + 8].try_into().unwrap()) as usize;
        at += 8 + size + (size & 1);
    }
    at
}

fn set_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// Three seconds of tone from ffmpeg, written to `target` (a file name or `pipe:1`); returns the
/// bytes it wrote.
fn ffmpeg_tone_wav(target: &str) -> Vec<u8> {
    let output = Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i"])
        .arg("sine=frequency=440:duration=3")
        .args(["-ar", "8000", "-ac", "1", "-c:a", "pcm_s16le", "-f", "wav"])
        .arg(target)
        .output()
        .expect("ffmpeg is installed");
    assert!(
        output.status.success(),
        "ffmpeg: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// A recorder or ffmpeg writing to a pipe cannot go back to fill in the sizes, so the header says
/// 0xFFFFFFFF (or another size larger than any WAV can be); the audio then runs to the end of the
/// file. A file cut short under an honest header is still refused as truncated.
#[tokio::test]
async fn a_wav_written_to_a_pipe_is_processed_to_its_real_length() {
    let dir = tempfile::tempdir().unwrap();
    let piped = ffmpeg_tone_wav("pipe:1");
    let piped_data_at = data_chunk_at(&piped);
    assert_eq!(piped[4..8], [0xff; 4], "ffmpeg left the RIFF size unset");
    assert_eq!(
        piped[piped_data_at + 4..piped_data_at + 8],
        [0xff; 4],
        "ffmpeg left the data size unset"
    );

    let file = dir.path().join("finished.wav");
    ffmpeg_tone_wav(file.to_str().unwrap());
    let finished = std::fs::read(&file).unwrap();
    let data_at = data_chunk_at(&finished);
    let mut huge_data = finished.clone();
    set_u32(&mut huge_data, data_at + 4, 0xFFFF_FFF0);
    let mut huge_data_unsized_riff = huge_data.clone();
    set_u32(&mut huge_data_unsized_riff, 4, u32::MAX);
    let mut unsized_riff = finished.clone();
    set_u32(&mut unsized_riff, 4, u32::MAX);
    // A header written before recording and never updated.
    let mut zero_sizes = finished.clone();
    set_u32(&mut zero_sizes, 4, 0);
    set_u32(&mut zero_sizes, data_at + 4, 0);
    let mut piped_cut = piped.clone();
    // A streamed upload cut off half way (and not on a frame boundary): what arrived plays.
    piped_cut.truncate(piped_data_at + 8 + 24_001);

    let app = crate::helpers::spawn_app().await;
    let owner = app.owner().await;
    let operator = app.operator_record(&owner, "Oleg").await;
    let script = app.script(&owner).await;
    let fields = [
        ("operator_id", operator.as_str()),
        ("script_id", script.as_str()),
    ];
    let upload = |name: &'static str, bytes: Vec<u8>| {
        let (app, owner) = (&app, &owner);
        async move {
            let queued: serde_json::Value = app
                .upload(owner, name, bytes, &fields)
                .await
                .json()
                .await
                .unwrap();
            app.wait_processed(&owner.token, queued["id"].as_str().unwrap())
                .await
        }
    };

    for (name, bytes, expected_ms) in [
        ("piped.wav", piped, 3000),
        ("huge_data.wav", huge_data, 3000),
        ("huge_data_unsized_riff.wav", huge_data_unsized_riff, 3000),
        ("unsized_riff.wav", unsized_riff, 3000),
        ("zero_sizes.wav", zero_sizes, 3000),
        ("piped_cut.wav", piped_cut, 1500),
    ] {
        let done = upload(name, bytes).await;
        assert_eq!(done["status"], "ready", "{name}: {done}");
        let duration = done["duration_ms"].as_i64().unwrap();
        assert!(
            duration.abs_diff(expected_ms) <= 2,
            "{name}: {duration} ms instead of {expected_ms} ms"
        );
    }

    let mut cut = finished;
    cut.truncate(cut.len() / 2);
    let done = upload("cut.wav", cut).await;
    assert_eq!(done["status"], "failed", "{done}");
    assert_eq!(done["error_code"], "audio_truncated", "{done}");
}

/// The magnitude of `samples`' component at `hz` (a single-bin DFT), as a fraction of full
/// scale per sample.
fn tone_level(samples: &[f32], rate: f32, hz: f32) -> f32 {
    let (mut re, mut im) = (0.0f64, 0.0f64);
    for (n, s) in samples.iter().enumerate() {
        let phase = f64::from(std::f32::consts::TAU * hz / rate) * n as f64;
        re += f64::from(*s) * phase.cos();
        im += f64::from(*s) * phase.sin();
    }
    (2.0 * re.hypot(im) / samples.len() as f64) as f32
}

/// When the owner says which side of a stereo call is the operator's, only that side is
/// disguised: the customer's side comes through untouched and sample-aligned (subtracting it
/// leaves nothing of its tone), while the operator's tone moves away from its frequency. A
/// marked range is hidden on both sides. Without the owner's word, or for a mono file, the
/// whole call is disguised as before.
#[test]
fn only_the_operators_side_of_a_stereo_call_is_disguised() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("sides.wav");
    let tone =
        |n: u32, hz: f32| ((n as f32 / 8000.0) * hz * std::f32::consts::TAU).sin() * 12_000.0;
    // The customer (left) at 440 Hz, the operator (right) at 1 kHz, both for three seconds.
    let wav = crate::helpers::stereo_wav(24_000, 8000, |n| {
        (tone(n, 440.0) as i16, tone(n, 1000.0) as i16)
    });
    std::fs::write(&input, wav).unwrap();
    let customer: Vec<f32> = (0..24_000)
        .map(|n| f32::from(tone(n, 440.0) as i16) / 32768.0)
        .collect();

    let build = |side: OperatorChannel| {
        let (wav, peaks) = (dir.path().join("c.wav"), dir.path().join("c.json"));
        let options = AnonymizeOptions {
            format: CopyFormat::Wav,
            voice: VoiceMode::Pitch,
            operator_channel: side,
            redactions: vec![Redaction {
                start_ms: 1000,
                end_ms: 1250,
                mode: RedactionMode::Silence,
            }],
            seed: Some(11),
        };
        let report = audio::anonymize(&input, &wav, &peaks, &options).unwrap();
        let samples: Vec<f32> = hound::WavReader::open(&wav)
            .unwrap()
            .into_samples::<i16>()
            .map(|s| f32::from(s.unwrap()) / 32768.0)
            .collect();
        (report, samples)
    };

    let (report, copy) = build(OperatorChannel::Right);
    assert_eq!(report.disguised_channel, OperatorChannel::Right);
    assert_eq!(copy.len(), 24_000, "as long as the call");
    assert!(
        copy[8000..10_000].iter().all(|s| *s == 0.0),
        "hidden on both sides"
    );
    // Away from the edges and the hidden range: the customer's side, at half level...
    let span = 12_000..22_000;
    let level = tone_level(&copy[span.clone()], 8000.0, 440.0);
    assert!((0.17..0.20).contains(&level), "customer at 440 Hz: {level}");
    // ...exactly where it was: what is left without it holds nothing at 440 Hz.
    let rest: Vec<f32> = copy[span.clone()]
        .iter()
        .zip(&customer[span.clone()])
        .map(|(out, side)| out - side * 0.5)
        .collect();
    let left_over = tone_level(&rest, 8000.0, 440.0);
    assert!(left_over < 0.002, "customer not aligned: {left_over} left");
    // The operator's tone was moved by the disguise's 2-3.5 semitones.
    let operator = tone_level(&copy[span.clone()], 8000.0, 1000.0);
    assert!(operator < 0.02, "operator still at 1 kHz: {operator}");

    // The owner did not say: both sides are disguised, the customer's tone moves too.
    let (report, copy) = build(OperatorChannel::Unknown);
    assert_eq!(report.disguised_channel, OperatorChannel::Unknown);
    let level = tone_level(&copy[span.clone()], 8000.0, 440.0);
    assert!(level < 0.02, "customer not disguised: {level}");

    // A mono file is disguised whole, whatever the owner said of stereo ones.
    let mono = dir.path().join("mono.wav");
    std::fs::write(&mono, crate::helpers::tone_wav(1.0, 8000)).unwrap();
    let options = AnonymizeOptions {
        format: CopyFormat::Wav,
        operator_channel: OperatorChannel::Left,
        ..AnonymizeOptions::default()
    };
    let (wav, peaks) = (dir.path().join("m.wav"), dir.path().join("m.json"));
    let report = audio::anonymize(&mono, &wav, &peaks, &options).unwrap();
    assert_eq!(report.disguised_channel, OperatorChannel::Unknown);
    assert_ne!(report.voice_params, VoiceParams::NONE);
}
