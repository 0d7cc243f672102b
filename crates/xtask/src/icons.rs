//! `cargo xtask icons`: the toolbar icons, drawn here so no image editor is needed: a teal
//! rounded square with a white lens ring and a check mark.

use std::io::Write;
use std::path::Path;

use flate2::write::ZlibEncoder;
use flate2::Compression;

use crate::Result;

const SIZES: [u32; 4] = [16, 32, 48, 128];
const TEAL: [u8; 3] = [15, 118, 110];
/// Samples per pixel side, for smooth edges.
const SUPERSAMPLE: u32 = 4;

pub fn run(root: &Path) -> Result {
    let dir = root.join("extension").join("icons");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for size in SIZES {
        let png = encode_png(size, &draw(size)).map_err(|e| e.to_string())?;
        let path = dir.join(format!("icon-{size}.png"));
        std::fs::write(&path, png).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("xtask: wrote {}", path.display());
    }
    Ok(())
}

/// RGBA pixels, row by row.
fn draw(size: u32) -> Vec<u8> {
    let mut pixels = Vec::with_capacity((size * size * 4) as usize);
    let n = SUPERSAMPLE;
    for y in 0..size {
        for x in 0..size {
            let (mut bg, mut white) = (0u32, 0u32);
            for sy in 0..n {
                for sx in 0..n {
                    // Coordinates in 0..1.
                    let u = (x as f32 + (sx as f32 + 0.5) / n as f32) / size as f32;
                    let v = (y as f32 + (sy as f32 + 0.5) / n as f32) / size as f32;
                    if in_rounded_square(u, v) {
                        bg += 1;
                        if in_lens(u, v) {
                            white += 1;
                        }
                    }
                }
            }
            let total = n * n;
            let mix = |c: u8| -> u8 {
                let teal = u32::from(c) * (bg - white);
                let light = 255 * white;
                ((teal + light) / bg.max(1)) as u8
            };
            pixels.extend_from_slice(&[
                mix(TEAL[0]),
                mix(TEAL[1]),
                mix(TEAL[2]),
                (bg * 255 / total) as u8,
            ]);
        }
    }
    pixels
}

fn in_rounded_square(u: f32, v: f32) -> bool {
    let r = 0.2;
    let dx = (u - 0.5).abs() - (0.5 - r);
    let dy = (v - 0.5).abs() - (0.5 - r);
    let outside = dx.max(0.0).hypot(dy.max(0.0));
    outside <= r
}

/// A ring (the lens) with a handle, and a check mark inside.
fn in_lens(u: f32, v: f32) -> bool {
    let (cx, cy, radius, width) = (0.44, 0.44, 0.24, 0.075);
    let d = (u - cx).hypot(v - cy);
    let ring = (d - radius).abs() <= width / 2.0;
    let handle = distance_to_segment(u, v, (0.62, 0.62), (0.8, 0.8)) <= width * 0.65;
    let check = distance_to_segment(u, v, (0.34, 0.45), (0.42, 0.53)) <= width / 2.0
        || distance_to_segment(u, v, (0.42, 0.53), (0.56, 0.36)) <= width / 2.0;
    ring || handle || check
}

fn distance_to_segment(u: f32, v: f32, a: (f32, f32), b: (f32, f32)) -> f32 {
    let (abx, aby) = (b.0 - a.0, b.1 - a.1);
    let t = (((u - a.0) * abx + (v - a.1) * aby) / (abx * abx + aby * aby)).clamp(0.0, 1.0);
    (u - (a.0 + t * abx)).hypot(v - (a.1 + t * aby))
}

fn encode_png(size: u32, rgba: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut raw = Vec::with_capacity(rgba.len() + size as usize);
    for row in rgba.chunks(size as usize * 4) {
        raw.push(0); // filter: none
        raw.extend_from_slice(row);
    }
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    z.write_all(&raw)?;
    let data = z.finish()?;

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&size.to_be_bytes());
    ihdr.extend_from_slice(&size.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &data);
    chunk(&mut png, b"IEND", &[]);
    Ok(png)
}

fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    png.extend_from_slice(&crc.finalize().to_be_bytes());
}
