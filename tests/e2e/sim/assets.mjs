// Images the consent pages link to, made in code so the repository holds no binary files: real PNG and
// ICO bytes (a browser decodes them; a check can tell a loaded icon from a 404) and a small SVG mark.

import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let crc = 0xffffffff;
  for (const byte of buffer) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** Encodes an RGBA image; pixel(x, y) returns [r, g, b, a]. */
function encodePng(width, height, pixel) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type RGBA
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    const rowStart = y * (width * 4 + 1); // first byte of a row: filter type 0
    for (let x = 0; x < width; x += 1) {
      Buffer.from(pixel(x, y)).copy(rows, rowStart + 1 + x * 4);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(rows)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An ICO file holding one PNG image (valid since Windows Vista; browsers decode it). */
function encodeIcoWithPng(size, png) {
  const header = Buffer.from([0, 0, 1, 0, 1, 0]);
  const entry = Buffer.alloc(16);
  entry[0] = size;
  entry[1] = size;
  entry.writeUInt16LE(1, 4); // colour planes
  entry.writeUInt16LE(32, 6); // bits per pixel
  entry.writeUInt32LE(png.length, 8);
  entry.writeUInt32LE(header.length + entry.length, 12);
  return Buffer.concat([header, entry, png]);
}

const ACME_ORANGE = [194, 65, 12, 255];
const WHITE = [255, 255, 255, 255];
const CLEAR = [0, 0, 0, 0];
const VENDOR_INDIGO = [79, 70, 229, 255];

/** Acme's mark: a white triangle ("A") on an orange disc. */
function acmeMark(size) {
  return encodePng(size, size, (x, y) => {
    const c = (size - 1) / 2;
    if ((x - c) ** 2 + (y - c) ** 2 > c ** 2) return CLEAR;
    const top = size * 0.22;
    const bottom = size * 0.78;
    const halfWidth = ((y - top) / (bottom - top)) * size * 0.3;
    return y >= top && y <= bottom && Math.abs(x - c) <= halfWidth ? WHITE : ACME_ORANGE;
  });
}

const vendorFaviconPng = encodePng(16, 16, (x, y) => (x > 3 && x < 12 && y > 3 && y < 12 ? WHITE : VENDOR_INDIGO));

const SCALEKIT_LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="28" viewBox="0 0 120 28">
<rect width="28" height="28" rx="6" fill="#4f46e5"/><path d="M8 18c2 2 10 2 12-1s-12-5-10-9 9-2 10 0" stroke="#fff" stroke-width="2.5" fill="none"/>
<text x="34" y="20" font-family="sans-serif" font-size="16" fill="#18181b">scalekit</text></svg>
`;

/** Path → { type, body } for every static asset; the same on every host that serves assets. */
export const ASSETS = Object.freeze({
  '/assets/acme-logo.png': { type: 'image/png', body: acmeMark(64) },
  '/assets/acme-favicon.png': { type: 'image/png', body: acmeMark(16) },
  '/favicon.ico': { type: 'image/x-icon', body: encodeIcoWithPng(16, vendorFaviconPng) },
  '/static/scalekit-logo.svg': { type: 'image/svg+xml', body: Buffer.from(SCALEKIT_LOGO_SVG) },
  '/static/scalekit-favicon.ico': { type: 'image/x-icon', body: encodeIcoWithPng(16, vendorFaviconPng) },
});

/** Where Scalekit's default brand assets come from: its CDN, not the customer's domain. */
export const VENDOR_ASSET_ORIGIN = 'https://cdn.scalekit.com';

/** What the customer's own hosts (login page, client app) answer for /favicon.ico. */
export const ACME_FAVICON = ASSETS['/assets/acme-favicon.png'];

/** A favicon path the simulator deliberately answers 404 for (scenario favicon-broken). */
export const MISSING_FAVICON_PATH = '/assets/acme-favicon-missing.png';
