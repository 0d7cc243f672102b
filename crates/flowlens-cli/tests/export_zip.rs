//! `check`, `redact` and `diff` on the extension's export zip (the support bundle), and on
//! broken zips: truncated, without a HAR, and a zip bomb.

mod common;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use common::{exec, flowlens, Run};
use flowlens_core::archive::{ZipReader, ZipWriter};
use flowlens_core::bundle::{self, Redaction};
use flowlens_core::manual::{Answer, Answers};
use flowlens_core::report::{Report, ReportBuilder};
use flowlens_core::{Profile, Section};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// An export as the popup writes it: a flow, a profile, a ticked manual item with a note.
fn export(dir: &Path) -> (PathBuf, Report) {
    let har = Path::new(FIXTURES).join("custom-domain-byoa.har");
    let file = std::fs::File::open(har).expect("fixture");
    let trace = flowlens_core::open::open(file, &mut |_, _| {})
        .expect("fixture opens")
        .trace;
    let profile = Profile {
        custom_domains: vec!["auth.acme.test".into()],
        // A name the consent page does not show: the popup judged with it.
        server_name: Some("Acme Calendar".into()),
        skip_sections: vec![Section::EnterpriseAuth],
        ..Profile::default()
    };
    let mut answers = Answers::new();
    answers.insert(
        "manual-runbook".into(),
        Answer {
            ticked: true,
            note: Some("wiki/oncall".into()),
        },
    );
    let report = ReportBuilder::new(&trace, &profile)
        .manual_answers(&answers)
        .build();
    let bytes = bundle::write(&trace, &report, &profile, Redaction::Redacted([7; 32]));
    let path = dir.join("flowlens-export.zip");
    std::fs::write(&path, bytes).expect("writes");
    (path, report)
}

/// (id, flow, status, ticked, note) of every check, what a person sees of a report.
fn shown(checks: &serde_json::Value) -> Vec<(String, String, String, bool, String)> {
    checks
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_string(),
                c["flow"].to_string(),
                c["status"].as_str().unwrap_or_default().to_string(),
                c["ticked"].as_bool().unwrap_or(false),
                c["note"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The export's own report.json: what the popup showed.
fn report_json_in(zip: &Path) -> serde_json::Value {
    let bytes = std::fs::read(zip).expect("zip");
    let mut reader = ZipReader::new(Cursor::new(bytes)).expect("zip");
    serde_json::from_slice(&reader.read("report.json", 1 << 26).expect("member")).expect("json")
}

fn assert_one_line_error(run: &Run, contains: &str) {
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.starts_with("flowlens: error: ") && run.stderr.trim_end().lines().count() == 1,
        "one line expected: {:?}",
        run.stderr
    );
    assert!(
        run.stderr.contains(contains),
        "{:?} lacks {contains:?}",
        run.stderr
    );
}

#[test]
fn check_on_an_export_gives_the_statuses_the_popup_showed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (zip, report) = export(dir.path());
    let run = exec(flowlens().arg("check").arg("--format=json").arg(&zip));
    assert_eq!(
        run.code,
        if report.has_failures() { 1 } else { 0 },
        "{}",
        run.stderr
    );
    let cli: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON report");
    let popup = report_json_in(&zip);
    assert_eq!(shown(&cli["checks"]), shown(&popup["checks"]));
    assert_eq!(cli["counts"], popup["counts"]);
    assert_eq!(cli["source"]["name"], "flowlens-export.zip");
    assert_eq!(cli["source"]["kind"], "har");
    assert_eq!(cli["source"]["profile"], true);
    // The profile mattered: without it the server name is not judged against "Acme Calendar",
    // and enterprise auth is not skipped.
    let plain = exec(
        flowlens()
            .arg("check")
            .arg("--format=json")
            .arg(Path::new(FIXTURES).join("custom-domain-byoa.har")),
    );
    let plain: serde_json::Value = serde_json::from_str(&plain.stdout).expect("JSON report");
    assert_ne!(shown(&plain["checks"]), shown(&popup["checks"]));
    // The text report shows the ticked item as done, with its note.
    let text = exec(flowlens().arg("check").arg(&zip));
    assert!(text.stdout.contains("☑ done"), "{}", text.stdout);
    assert!(text.stdout.contains("note: wiki/oncall"), "{}", text.stdout);
}

#[test]
fn redact_and_diff_read_the_har_of_an_export() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (zip, _) = export(dir.path());
    let out = dir.path().join("again.har");
    let run = exec(flowlens().arg("redact").arg(&zip).arg("-o").arg(&out));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.starts_with("redacted "), "{}", run.stderr);
    let har: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("output")).expect("HAR JSON");
    assert!(har["log"]["entries"]
        .as_array()
        .is_some_and(|e| !e.is_empty()));
    // The same flow, redacted once more: nothing differs hop by hop or in check statuses.
    let run = exec(
        flowlens()
            .args(["diff", "--profile"])
            .arg(profile_file(dir.path()))
            .arg(&zip)
            .arg(&out),
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let run = exec(flowlens().arg("diff").arg(&zip).arg(&zip));
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("0 hops changed"), "{}", run.stdout);
}

fn profile_file(dir: &Path) -> PathBuf {
    let path = dir.join("profile.toml");
    std::fs::write(
        &path,
        "custom_domains = [\"auth.acme.test\"]\nserver_name = \"Acme Calendar\"\nskip_sections = [\"enterprise-auth\"]\n",
    )
    .expect("writes");
    path
}

/// Every command that reads a flow fails on `zip` with one line containing `contains`, and
/// `redact` writes nothing.
fn assert_every_command_refuses(dir: &Path, zip: &Path, contains: &str) {
    let good = Path::new(FIXTURES).join("custom-domain-byoa.har");
    assert_one_line_error(&exec(flowlens().arg("check").arg(zip)), contains);
    assert_one_line_error(&exec(flowlens().arg("diff").arg(&good).arg(zip)), contains);
    assert_one_line_error(&exec(flowlens().arg("diff").arg(zip).arg(&good)), contains);
    let out = dir.join("out.har");
    assert_one_line_error(
        &exec(flowlens().arg("redact").arg(zip).arg("-o").arg(&out)),
        contains,
    );
    assert!(!out.exists(), "redact wrote {}", out.display());
}

#[test]
fn a_truncated_zip_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (zip, _) = export(dir.path());
    let bytes = std::fs::read(&zip).expect("zip");
    let cut = dir.path().join("cut.zip");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).expect("writes");
    assert_every_command_refuses(dir.path(), &cut, "cut.zip: not a readable zip file");
}

#[test]
fn a_zip_without_a_har_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut zip = ZipWriter::new();
    zip.add_deflated("report.md", b"# Flowlens go-live checklist\n")
        .expect("add");
    zip.add_deflated("notes/readme.txt", b"hello").expect("add");
    let path = dir.path().join("no-har.zip");
    std::fs::write(&path, zip.finish().expect("zip")).expect("writes");
    assert_every_command_refuses(
        dir.path(),
        &path,
        "no-har.zip: the zip holds no .har file (it holds report.md, notes/readme.txt)",
    );
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_inflated() {
    let dir = tempfile::tempdir().expect("temp dir");
    // 7 MB that inflate to 1 GB of spaces: more than Flowlens reads from a zip.
    let (data, size) = deflate_bomb(4_200_000);
    assert!(size > flowlens_core::open::MAX_UNZIPPED_HAR);
    let path = dir.path().join("bomb.zip");
    std::fs::write(&path, stored_zip_of_deflate("flow.har", &data, size, 0)).expect("writes");
    assert!(std::fs::metadata(&path).expect("written").len() < 8 << 20);
    assert_every_command_refuses(
        dir.path(),
        &path,
        "bomb.zip: flow.har decompresses to more than 1024 MB, more than Flowlens reads from a zip (a zip bomb?)",
    );
}

/// A raw deflate stream (one block with the fixed Huffman codes) of a space followed by
/// `matches` copies of the longest match (258 bytes at distance 1): `1 + 258 * matches`
/// spaces from 13 bits per 258 bytes. Returns the stream and its inflated size.
fn deflate_bomb(matches: u64) -> (Vec<u8>, u64) {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        /// `len` bits of `value`, least significant first (header fields, extra bits).
        fn put(&mut self, value: u64, len: u32) {
            self.acc |= value << self.n;
            self.n += len;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// A Huffman code, most significant bit first.
        fn code(&mut self, code: u64, len: u32) {
            let reversed = (0..len).fold(0, |r, i| (r << 1) | ((code >> i) & 1));
            self.put(reversed, len);
        }
    }
    let mut bits = Bits {
        out: Vec::new(),
        acc: 0,
        n: 0,
    };
    bits.put(1, 1); // BFINAL
    bits.put(1, 2); // BTYPE 01: fixed Huffman codes
    bits.code(0x30 + u64::from(b' '), 8); // literal ' '
    for _ in 0..matches {
        bits.code(0xC0 + (285 - 280), 8); // length 258
        bits.code(0, 5); // distance 1
    }
    bits.code(0, 7); // end of block
    bits.put(0, 7); // flush the last byte
    (bits.out, 1 + 258 * matches)
}

/// A zip of one deflated entry whose data is `deflated`, declaring its true inflated size
/// and `crc` (a bomb's is left at 0: nothing may inflate it to check one).
fn stored_zip_of_deflate(name: &str, deflated: &[u8], size: u64, crc: u32) -> Vec<u8> {
    let size = u32::try_from(size).expect("fits a zip32 size");
    let compressed = u32::try_from(deflated.len()).expect("fits");
    let name_len = u16::try_from(name.len()).expect("short name");
    let mut out = Vec::new();
    let header = |out: &mut Vec<u8>, signature: u32, central: bool| {
        out.extend_from_slice(&signature.to_le_bytes());
        if central {
            out.extend_from_slice(&20u16.to_le_bytes()); // made by
        }
        out.extend_from_slice(&20u16.to_le_bytes()); // needed
        out.extend_from_slice(&0u16.to_le_bytes()); // flags
        out.extend_from_slice(&8u16.to_le_bytes()); // deflate
        out.extend_from_slice(&0u16.to_le_bytes()); // time
        out.extend_from_slice(&0x21u16.to_le_bytes()); // date: 1980-01-01
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&compressed.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // extra
        if central {
            out.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
            out.extend_from_slice(&0u32.to_le_bytes()); // external attributes
            out.extend_from_slice(&0u32.to_le_bytes()); // offset of the local header
        }
        out.extend_from_slice(name.as_bytes());
    };
    header(&mut out, 0x0403_4b50, false);
    out.extend_from_slice(deflated);
    let central_at = u32::try_from(out.len()).expect("fits");
    header(&mut out, 0x0201_4b50, true);
    let central_len = u32::try_from(out.len()).expect("fits") - central_at;
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // disks
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&central_len.to_le_bytes());
    out.extend_from_slice(&central_at.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment
    out
}

#[test]
fn the_bomb_generator_makes_a_real_deflate_stream() {
    // The same generator, small: it inflates to exactly what it claims.
    let (data, size) = deflate_bomb(1000);
    let spaces = vec![b' '; usize::try_from(size).expect("small")];
    let bytes = stored_zip_of_deflate("flow.har", &data, size, crc32(&spaces));
    let mut zip = ZipReader::new(Cursor::new(bytes)).expect("zip");
    assert_eq!(zip.read("flow.har", size).expect("inflates"), spaces);
}

/// CRC-32 (IEEE), bit by bit: a test needs no table.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
