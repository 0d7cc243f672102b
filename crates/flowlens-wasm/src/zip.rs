//! A minimal "stored" (uncompressed) zip writer and reader: the export bundle is one download,
//! and the viewer opens it again. No compression, no zip64, no encryption: the files are small
//! text and one JPEG (already compressed), and any unzip tool reads stored entries.

/// Local file header, central directory header and end of central directory signatures.
const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;
/// Version 2.0 (deflate/stored era), no flags except UTF-8 names (bit 11).
const VERSION: u16 = 20;
const UTF8_NAMES: u16 = 1 << 11;
/// 1980-01-01 00:00 in MS-DOS date/time: exports carry no clock reading.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

/// Builds a stored zip in memory.
#[derive(Default)]
pub struct ZipWriter {
    out: Vec<u8>,
    central: Vec<u8>,
    entries: u16,
}

impl ZipWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file. Names are `/`-separated, relative, UTF-8.
    pub fn add(&mut self, name: &str, data: &[u8]) {
        let crc = crc32fast::hash(data);
        // The bundle never holds 4 GB; a larger entry would need zip64.
        let size = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let offset = u32::try_from(self.out.len()).unwrap_or(u32::MAX);
        let name_len = u16::try_from(name.len()).unwrap_or(u16::MAX);
        let name = &name.as_bytes()[..usize::from(name_len)];

        let out = &mut self.out;
        put32(out, LOCAL);
        put16(out, VERSION);
        put16(out, UTF8_NAMES);
        put16(out, 0); // stored
        put16(out, DOS_TIME);
        put16(out, DOS_DATE);
        put32(out, crc);
        put32(out, size);
        put32(out, size);
        put16(out, name_len);
        put16(out, 0); // extra field length
        out.extend_from_slice(name);
        out.extend_from_slice(data);

        let c = &mut self.central;
        put32(c, CENTRAL);
        put16(c, VERSION); // made by
        put16(c, VERSION); // needed
        put16(c, UTF8_NAMES);
        put16(c, 0);
        put16(c, DOS_TIME);
        put16(c, DOS_DATE);
        put32(c, crc);
        put32(c, size);
        put32(c, size);
        put16(c, name_len);
        put16(c, 0); // extra
        put16(c, 0); // comment
        put16(c, 0); // disk
        put16(c, 0); // internal attributes
        put32(c, 0); // external attributes
        put32(c, offset);
        c.extend_from_slice(name);
        self.entries = self.entries.saturating_add(1);
    }

    pub fn finish(mut self) -> Vec<u8> {
        let central_offset = u32::try_from(self.out.len()).unwrap_or(u32::MAX);
        let central_size = u32::try_from(self.central.len()).unwrap_or(u32::MAX);
        self.out.append(&mut self.central);
        let out = &mut self.out;
        put32(out, END);
        put16(out, 0);
        put16(out, 0);
        put16(out, self.entries);
        put16(out, self.entries);
        put32(out, central_size);
        put32(out, central_offset);
        put16(out, 0); // comment length
        self.out
    }
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// The bytes start like a zip file.
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(&LOCAL.to_le_bytes()) || bytes.starts_with(&END.to_le_bytes())
}

/// One entry of a zip read back: its name and its (stored) bytes.
#[derive(Debug, PartialEq)]
pub struct Entry<'a> {
    pub name: String,
    pub data: &'a [u8],
}

/// The entries of a zip through its central directory. Only stored entries can be read
/// (the bundle's kind); a compressed one is an error naming it.
pub fn entries(bytes: &[u8]) -> Result<Vec<Entry<'_>>, String> {
    let end = (0..=bytes.len().saturating_sub(22))
        .rev()
        .take(22 + usize::from(u16::MAX))
        .find(|&i| get32(bytes, i) == Some(END))
        .ok_or("not a zip file (no end of central directory)")?;
    let count = get16(bytes, end + 10).ok_or("truncated zip")?;
    let mut at = get32(bytes, end + 16).ok_or("truncated zip")? as usize;
    let mut out = Vec::new();
    for _ in 0..count {
        if get32(bytes, at) != Some(CENTRAL) {
            return Err("damaged zip central directory".into());
        }
        let field = |off: usize| get16(bytes, at + off).map(usize::from);
        let method = field(10).ok_or("truncated zip")?;
        let size = get32(bytes, at + 20).ok_or("truncated zip")? as usize;
        let name_len = field(28).ok_or("truncated zip")?;
        let extra_len = field(30).ok_or("truncated zip")?;
        let comment_len = field(32).ok_or("truncated zip")?;
        let local = get32(bytes, at + 42).ok_or("truncated zip")? as usize;
        let name = bytes
            .get(at + 46..at + 46 + name_len)
            .ok_or("truncated zip")?;
        // Names appear in messages: a hostile one must not break the line or reorder it.
        let name: String = String::from_utf8_lossy(name)
            .chars()
            .map(|c| {
                if c.is_control() || flowlens_core::report::markdown::is_bidi_control(c) {
                    '\u{FFFD}'
                } else {
                    c
                }
            })
            .collect();
        if method != 0 {
            return Err(format!(
                "{name}: compressed zip entries cannot be read here; unzip the file and open the HAR itself"
            ));
        }
        if get32(bytes, local) != Some(LOCAL) {
            return Err(format!("{name}: damaged zip entry"));
        }
        let data_at = local
            + 30
            + usize::from(get16(bytes, local + 26).ok_or("truncated zip")?)
            + usize::from(get16(bytes, local + 28).ok_or("truncated zip")?);
        let data = bytes
            .get(data_at..data_at + size)
            .ok_or_else(|| format!("{name}: truncated zip entry"))?;
        out.push(Entry { name, data });
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(out)
}

fn get16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn get32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_stored_zip_that_reads_back() {
        let mut zip = ZipWriter::new();
        zip.add("flow.har", b"{\"log\":{}}");
        zip.add("report.md", "# é\n".as_bytes());
        zip.add("empty.txt", b"");
        let bytes = zip.finish();
        assert!(is_zip(&bytes));
        let read = entries(&bytes).expect("zip reads back");
        assert_eq!(
            read,
            vec![
                Entry {
                    name: "flow.har".into(),
                    data: b"{\"log\":{}}"
                },
                Entry {
                    name: "report.md".into(),
                    data: "# é\n".as_bytes()
                },
                Entry {
                    name: "empty.txt".into(),
                    data: b""
                },
            ]
        );
    }

    #[test]
    fn known_crc_and_layout() {
        let mut zip = ZipWriter::new();
        zip.add("a", b"123456789");
        let bytes = zip.finish();
        // The CRC-32 check value of "123456789".
        assert_eq!(get32(&bytes, 14), Some(0xCBF4_3926));
        assert_eq!(get32(&bytes, bytes.len() - 22), Some(END));
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        assert!(entries(b"").is_err());
        assert!(entries(b"PK\x05\x06").is_err());
        let mut bytes = {
            let mut zip = ZipWriter::new();
            zip.add("x.har", b"{}");
            zip.finish()
        };
        let n = bytes.len();
        bytes[n - 6] = 0xff; // central directory offset out of range
        assert!(entries(&bytes).is_err());
        assert!(!is_zip(b"{\"log\":1}"));
    }
}
