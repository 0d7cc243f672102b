//! Zip archives, the one way Flowlens reads and writes them: the extension's export bundle,
//! the exports and zipped HARs the CLI and the viewer open, and xtask's store packages.
//!
//! A thin layer over the `zip` crate that adds what every use here needs: deterministic
//! output (no clock reading in an archive) and reading with a cap on the decompressed size,
//! so that a zip bomb is a clear error rather than gigabytes in memory or hours of inflating.

use std::io::{self, Cursor, Read, Seek, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime};

use crate::stdx::controls::replace_unsafe;

/// Why an archive could not be read. Messages are one line, for a person.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("not a readable zip file ({0})")]
    Damaged(String),
    #[error("{} decompresses to more than {} MB, more than Flowlens reads from a zip (a zip bomb?)", replace_unsafe(.name), .limit / (1024 * 1024))]
    TooLarge { name: String, limit: u64 },
    #[error("{}: {reason}", replace_unsafe(.name))]
    Entry { name: String, reason: String },
}

/// The bytes start like a zip file (a local file header, or the end record of an empty zip).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// Builds a zip in memory. Entries carry 1980-01-01 00:00 (the DOS epoch) as their time, so
/// the same files give the same bytes.
pub struct ZipWriter {
    inner: zip::ZipWriter<Cursor<Vec<u8>>>,
}

impl Default for ZipWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl ZipWriter {
    pub fn new() -> Self {
        Self {
            inner: zip::ZipWriter::new(Cursor::new(Vec::new())),
        }
    }

    /// Adds a file as is (stored): for content already compressed (JPEG) or that any reader
    /// must open without inflating.
    pub fn add_stored(&mut self, name: &str, data: &[u8]) -> io::Result<()> {
        self.add(name, data, CompressionMethod::Stored, None)
    }

    /// Adds a file deflated at the best compression.
    pub fn add_deflated(&mut self, name: &str, data: &[u8]) -> io::Result<()> {
        self.add(name, data, CompressionMethod::Deflated, Some(9))
    }

    fn add(
        &mut self,
        name: &str,
        data: &[u8],
        method: CompressionMethod,
        level: Option<i64>,
    ) -> io::Result<()> {
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .compression_level(level)
            .last_modified_time(DateTime::default())
            .unix_permissions(0o644)
            .large_file(data.len() as u64 >= u64::from(u32::MAX));
        self.inner
            .start_file(name, options)
            .map_err(io::Error::other)?;
        self.inner.write_all(data)
    }

    pub fn finish(self) -> io::Result<Vec<u8>> {
        Ok(self.inner.finish().map_err(io::Error::other)?.into_inner())
    }
}

/// Reads a zip from anything seekable (a file, bytes in memory).
pub struct ZipReader<R: Read + Seek> {
    archive: zip::ZipArchive<R>,
}

impl<R: Read + Seek> ZipReader<R> {
    pub fn new(reader: R) -> Result<Self, ArchiveError> {
        let archive =
            zip::ZipArchive::new(reader).map_err(|e| ArchiveError::Damaged(e.to_string()))?;
        Ok(Self { archive })
    }

    /// The entries' names, in the archive's order (directories left out).
    pub fn names(&self) -> Vec<String> {
        self.archive
            .file_names()
            .filter(|n| !n.ends_with('/'))
            .map(str::to_string)
            .collect()
    }

    /// The decompressed size the archive declares for entry `name` (not to be trusted: see
    /// [`ZipReader::open`]).
    pub fn declared_size(&mut self, name: &str) -> Option<u64> {
        self.archive.by_name(name).ok().map(|f| f.size())
    }

    /// The whole entry `name`, refused when it decompresses to more than `limit` bytes.
    pub fn read(&mut self, name: &str, limit: u64) -> Result<Vec<u8>, ArchiveError> {
        let mut bytes = Vec::new();
        self.open(name, limit)?
            .read_to_end(&mut bytes)
            .map_err(|e| read_error(name, limit, e))?;
        Ok(bytes)
    }

    /// A reader of entry `name` that fails once more than `limit` decompressed bytes came out
    /// (whatever the archive's header claims). Read errors name the entry: see
    /// [`read_error`].
    pub fn open(&mut self, name: &str, limit: u64) -> Result<impl Read + '_, ArchiveError> {
        let file = self
            .archive
            .by_name(name)
            .map_err(|e| ArchiveError::Entry {
                name: name.to_string(),
                reason: e.to_string(),
            })?;
        if file.size() > limit {
            return Err(ArchiveError::TooLarge {
                name: name.to_string(),
                limit,
            });
        }
        Ok(Capped {
            inner: file,
            left: limit,
        })
    }
}

/// The error of reading an entry opened with [`ZipReader::open`]: the cap, or damage.
pub fn read_error(name: &str, limit: u64, e: io::Error) -> ArchiveError {
    if is_over_cap(&e) {
        ArchiveError::TooLarge {
            name: name.to_string(),
            limit,
        }
    } else {
        ArchiveError::Entry {
            name: name.to_string(),
            reason: format!("damaged zip entry ({e})"),
        }
    }
}

/// The error says more bytes came out of a capped entry than its cap allows.
pub fn is_over_cap(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<Overflow>())
}

/// More bytes came out of an entry than its cap allows.
#[derive(Debug)]
struct Overflow;

impl std::fmt::Display for Overflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the entry decompresses to more than its cap")
    }
}

impl std::error::Error for Overflow {}

struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Ask for one byte more than allowed, to tell "exactly the cap" from "over it".
        let want = buf
            .len()
            .min(usize::try_from(self.left + 1).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.left {
            return Err(io::Error::other(Overflow));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip(files: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut w = ZipWriter::new();
        for (name, data, deflate) in files {
            if *deflate {
                w.add_deflated(name, data).expect("add");
            } else {
                w.add_stored(name, data).expect("add");
            }
        }
        w.finish().expect("finish")
    }

    #[test]
    fn writes_stored_and_deflated_entries_that_read_back() {
        let bytes = zip(&[
            ("flow.har", b"{\"log\":{}}", false),
            ("report.md", "# é\n".repeat(100).as_bytes(), true),
            ("empty.txt", b"", false),
        ]);
        assert!(is_zip(&bytes));
        let mut r = ZipReader::new(Cursor::new(&bytes)).expect("reads");
        assert_eq!(r.names(), ["flow.har", "report.md", "empty.txt"]);
        assert_eq!(r.read("flow.har", 100).expect("entry"), b"{\"log\":{}}");
        assert_eq!(
            r.read("report.md", 1000).expect("entry"),
            "# é\n".repeat(100).as_bytes()
        );
        assert_eq!(r.read("empty.txt", 0).expect("entry"), b"");
        // Deterministic: no clock in the archive.
        assert_eq!(
            bytes,
            zip(&[
                ("flow.har", b"{\"log\":{}}", false),
                ("report.md", "# é\n".repeat(100).as_bytes(), true),
                ("empty.txt", b"", false),
            ])
        );
    }

    #[test]
    fn an_entry_over_its_cap_is_refused_whatever_its_header_says() {
        let big = vec![b' '; 100_000];
        let bytes = zip(&[("flow.har", &big, true)]);
        assert!(bytes.len() < 1_000, "{} bytes", bytes.len());
        let mut r = ZipReader::new(Cursor::new(&bytes)).expect("reads");
        // The header's size is checked first...
        let err = r.read("flow.har", 50_000).expect_err("over the cap");
        assert!(matches!(err, ArchiveError::TooLarge { .. }), "{err}");
        // ...and the bytes that come out, when the header lies (here: says 10 bytes).
        let mut lying = bytes.clone();
        for at in find_all(&lying, b"\xa0\x86\x01\x00") {
            lying[at..at + 4].copy_from_slice(&10u32.to_le_bytes());
        }
        let mut r = ZipReader::new(Cursor::new(&lying)).expect("reads");
        let err = r.read("flow.har", 50_000).expect_err("over the cap");
        assert!(matches!(err, ArchiveError::TooLarge { .. }), "{err}");
        assert!(err.to_string().contains("zip bomb"), "{err}");
        // Exactly the cap is fine.
        let mut r = ZipReader::new(Cursor::new(&bytes)).expect("reads");
        assert_eq!(r.read("flow.har", 100_000).expect("entry").len(), 100_000);
    }

    fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
        (0..=haystack.len() - needle.len())
            .filter(|&i| &haystack[i..i + needle.len()] == needle)
            .collect()
    }

    #[test]
    fn damaged_and_truncated_zips_are_errors_not_panics() {
        let bytes = zip(&[("flow.har", b"{\"log\":{\"entries\":[]}}", true)]);
        for cut in [0, 4, 22, bytes.len() / 2, bytes.len() - 1] {
            let truncated = &bytes[..cut];
            if let Ok(mut r) = ZipReader::new(Cursor::new(truncated)) {
                let _ = r.read("flow.har", 1000);
            }
        }
        assert!(ZipReader::new(Cursor::new(b"PK\x03\x04garbage".as_slice())).is_err());
        let mut r = ZipReader::new(Cursor::new(&bytes)).expect("reads");
        assert!(matches!(
            r.read("nope.har", 10),
            Err(ArchiveError::Entry { .. })
        ));
        assert!(!is_zip(b"{\"log\":1}"));
    }
}
