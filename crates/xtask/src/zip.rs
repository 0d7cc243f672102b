//! A minimal ZIP writer (deflate, no extras): enough for extension store uploads, and
//! deterministic (fixed timestamps, sorted entries) so the same tree gives the same zip.

use std::io::Write;

use flate2::write::DeflateEncoder;
use flate2::Compression;

struct Entry {
    name: String,
    crc: u32,
    compressed: u32,
    size: u32,
    offset: u32,
}

#[derive(Default)]
pub struct ZipWriter {
    out: Vec<u8>,
    entries: Vec<Entry>,
}

/// 1980-01-01 00:00, the DOS epoch: no build time leaks into the archive.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

impl ZipWriter {
    pub fn add(&mut self, name: &str, data: &[u8]) -> std::io::Result<()> {
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(data)?;
        let compressed = encoder.finish()?;
        let entry = Entry {
            name: name.to_string(),
            crc: crc32fast::hash(data),
            compressed: len32(compressed.len())?,
            size: len32(data.len())?,
            offset: len32(self.out.len())?,
        };
        let out = &mut self.out;
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes()); // local file header
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0u16.to_le_bytes()); // flags
        out.extend_from_slice(&8u16.to_le_bytes()); // deflate
        out.extend_from_slice(&DOS_TIME.to_le_bytes());
        out.extend_from_slice(&DOS_DATE.to_le_bytes());
        out.extend_from_slice(&entry.crc.to_le_bytes());
        out.extend_from_slice(&entry.compressed.to_le_bytes());
        out.extend_from_slice(&entry.size.to_le_bytes());
        out.extend_from_slice(&len16(name.len())?.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // extra length
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&compressed);
        self.entries.push(entry);
        Ok(())
    }

    pub fn finish(mut self) -> std::io::Result<Vec<u8>> {
        let directory_start = len32(self.out.len())?;
        for e in &self.entries {
            let out = &mut self.out;
            out.extend_from_slice(&0x0201_4b50u32.to_le_bytes()); // central directory header
            out.extend_from_slice(&20u16.to_le_bytes()); // version made by
            out.extend_from_slice(&20u16.to_le_bytes()); // version needed
            out.extend_from_slice(&0u16.to_le_bytes()); // flags
            out.extend_from_slice(&8u16.to_le_bytes()); // deflate
            out.extend_from_slice(&DOS_TIME.to_le_bytes());
            out.extend_from_slice(&DOS_DATE.to_le_bytes());
            out.extend_from_slice(&e.crc.to_le_bytes());
            out.extend_from_slice(&e.compressed.to_le_bytes());
            out.extend_from_slice(&e.size.to_le_bytes());
            out.extend_from_slice(&len16(e.name.len())?.to_le_bytes());
            out.extend_from_slice(&[0; 6]); // extra, comment lengths, disk start
            out.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
            out.extend_from_slice(&0u32.to_le_bytes()); // external attributes
            out.extend_from_slice(&e.offset.to_le_bytes());
            out.extend_from_slice(e.name.as_bytes());
        }
        let directory_size = len32(self.out.len())? - directory_start;
        let count = len16(self.entries.len())?;
        let out = &mut self.out;
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes()); // end of central directory
        out.extend_from_slice(&[0; 4]); // disk numbers
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&directory_size.to_le_bytes());
        out.extend_from_slice(&directory_start.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // comment length
        Ok(self.out)
    }
}

fn len32(n: usize) -> std::io::Result<u32> {
    u32::try_from(n).map_err(|_| std::io::Error::other("zip64 is not supported"))
}

fn len16(n: usize) -> std::io::Result<u16> {
    u16::try_from(n).map_err(|_| std::io::Error::other("too many entries or too long a name"))
}
