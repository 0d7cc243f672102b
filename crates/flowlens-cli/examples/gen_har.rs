//! Writes a large synthetic HAR for `scripts/bench/check-har.sh` (not part of the binary).
//!
//! ```text
//! cargo run --release -p flowlens-cli --example gen_har -- OUT.har [ENTRIES]
//! ```
//!
//! Most entries are static subresources (scripts, styles, fonts) with text bodies of a few KB,
//! about one in eight an image with a base64 body, one in fifty an HTML page; every 10,000
//! entries an authorization flow (the `custom-domain-byoa.har` fixture, re-timed) is spliced
//! in. Pretty-printed with two-space indentation, like a DevTools export. Deterministic.

use std::fs::File;
use std::io::{BufWriter, Write};

use serde_json::{json, Value};

const FLOW: &str = include_str!("../tests/fixtures/custom-domain-byoa.har");
const T0_MS: u64 = 1_731_578_400_000; // 2024-11-14T10:00:00Z

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// HAR's `startedDateTime`, written by the same code the HAR export uses.
fn iso(ms: u64) -> String {
    flowlens_core::har::format_rfc3339_ms(ms as f64)
}

const WORDS: &[&str] = &[
    "function",
    "return",
    "const",
    "let",
    "var",
    "if",
    "else",
    "for",
    "while",
    "this",
    "document",
    "window",
    "\"use strict\";",
    "=>",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "'a'",
    "\"b\"",
    "null",
    "undefined",
    "true",
    "false",
    "0",
    "1",
    "42",
    "\\n",
    "</div>",
    "<span>",
    "color:",
    "#0a66c2;",
    "margin:",
    "0 auto;",
    "é",
    "→",
    "\t",
];

fn text(rng: &mut Rng, bytes: usize) -> String {
    let mut out = String::with_capacity(bytes + 16);
    while out.len() < bytes {
        out.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
        out.push(if rng.below(8) == 0 { '\n' } else { ' ' });
    }
    out
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn headers(pairs: &[(&str, String)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(n, v)| json!({"name": n, "value": v}))
            .collect(),
    )
}

fn static_entry(rng: &mut Rng, i: u64, ms: u64) -> Value {
    let page = "https://app.acme.test/dashboard";
    let (kind, mime, path, body, encoding) = match rng.below(50) {
        0 => (
            "document",
            "text/html; charset=utf-8",
            format!("/page/{i}"),
            format!(
                "<!doctype html><html><body>{}</body></html>",
                text(rng, 6_000)
            ),
            None,
        ),
        1..=6 => {
            let len = 600 + rng.below(2_400) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            (
                "image",
                "image/png",
                format!("/img/{i}.png"),
                base64(&bytes),
                Some("base64"),
            )
        }
        7..=9 => (
            "font",
            "font/woff2",
            format!("/fonts/{i}.woff2"),
            base64(&(0..1_500).map(|_| rng.next() as u8).collect::<Vec<_>>()),
            Some("base64"),
        ),
        10..=29 => {
            let len = 600 + rng.below(1_400) as usize;
            (
                "stylesheet",
                "text/css",
                format!("/css/{i}.css"),
                text(rng, len),
                None,
            )
        }
        _ => {
            let len = 700 + rng.below(1_800) as usize;
            (
                "script",
                "application/javascript",
                format!("/js/chunk-{i}.js"),
                text(rng, len),
                None,
            )
        }
    };
    let host = ["app.acme.test", "cdn.acme.test", "static.partner.test"][rng.below(3) as usize];
    let url = format!("https://{host}{path}?v={}", rng.below(1 << 30));
    let mut content = json!({"size": body.len(), "mimeType": mime, "text": body});
    if let Some(e) = encoding {
        content["encoding"] = json!(e);
    }
    json!({
        "_initiator": {"type": "parser", "url": page, "lineNumber": rng.below(400)},
        "_priority": "High",
        "_resourceType": kind,
        "cache": {},
        "connection": "443",
        "pageref": "page_1",
        "request": {
            "method": "GET",
            "url": url,
            "httpVersion": "http/2.0",
            "headers": headers(&[
                (":authority", host.to_string()),
                (":method", "GET".into()),
                (":path", path.clone()),
                (":scheme", "https".into()),
                ("accept", "*/*".into()),
                ("accept-encoding", "gzip, deflate, br, zstd".into()),
                ("accept-language", "en-US,en;q=0.9".into()),
                ("referer", format!("{page}/")),
                ("sec-fetch-dest", kind.into()),
                ("sec-fetch-mode", "no-cors".into()),
                ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36".into()),
            ]),
            "queryString": [{"name": "v", "value": "1"}],
            "cookies": [],
            "headersSize": -1,
            "bodySize": 0
        },
        "response": {
            "status": 200,
            "statusText": "",
            "httpVersion": "http/2.0",
            "headers": headers(&[
                ("cache-control", "public, max-age=31536000, immutable".into()),
                ("content-type", mime.into()),
                ("content-length", body.len().to_string()),
                ("date", "Thu, 14 Nov 2024 10:00:00 GMT".into()),
                ("etag", format!("\"{:x}\"", rng.next())),
                ("server", "cloudflare".into()),
                ("vary", "Accept-Encoding".into()),
            ]),
            "cookies": [],
            "content": content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_transferSize": body.len() + 300,
            "_error": null
        },
        "serverIPAddress": "203.0.113.7",
        "startedDateTime": iso(ms),
        "time": 12.5,
        "timings": {"blocked": 1.25, "dns": -1, "ssl": -1, "connect": -1, "send": 0.25, "wait": 9.5, "receive": 1.5, "_blocked_queueing": 0.5}
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: gen_har OUT.har [ENTRIES]")?;
    let entries: u64 = args
        .next()
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(50_000);
    let flow: Value = serde_json::from_str(FLOW)?;
    let flow_entries = flow["log"]["entries"]
        .as_array()
        .ok_or("fixture has no entries")?;

    let mut out = BufWriter::with_capacity(1 << 20, File::create(&path)?);
    writeln!(
        out,
        "{{\n  \"log\": {{\n    \"version\": \"1.2\",\n    \"creator\": {{\"name\": \"WebInspector\", \"version\": \"537.36\"}},\n    \"pages\": [{{\"startedDateTime\": \"{}\", \"id\": \"page_1\", \"title\": \"Acme\", \"pageTimings\": {{}}}}],\n    \"entries\": [",
        iso(T0_MS)
    )?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut ms = T0_MS;
    let mut written = 0u64;
    let mut flows = 0;
    let mut first = true;
    let mut write = |out: &mut BufWriter<File>, v: &Value| -> std::io::Result<()> {
        if !std::mem::take(&mut first) {
            out.write_all(b",\n")?;
        }
        serde_json::to_writer_pretty(&mut *out, v)?;
        Ok(())
    };
    while written < entries {
        if written % 10_000 == 5_000 {
            for e in flow_entries {
                let mut e = e.clone();
                ms += 50;
                e["startedDateTime"] = json!(iso(ms));
                write(&mut out, &e)?;
                written += 1;
            }
            flows += 1;
            ms += 3_600_000; // an hour apart: separate flows
            continue;
        }
        ms += 5 + rng.below(60);
        let e = static_entry(&mut rng, written, ms);
        write(&mut out, &e)?;
        written += 1;
    }
    writeln!(out, "\n    ]\n  }}\n}}")?;
    out.flush()?;
    let size = std::fs::metadata(&path)?.len();
    eprintln!(
        "wrote {path}: {written} entries ({flows} authorization flows), {:.1} MB",
        size as f64 / 1e6
    );
    Ok(())
}
