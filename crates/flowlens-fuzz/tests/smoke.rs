//! Every target on its seeds and on pseudo-random inputs, on stable Rust: what `cargo test`
//! checks of the fuzz targets' invariants on every change, fuzzer or not.

/// Deterministic bytes (xorshift64*), so a failure reproduces.
fn inputs(seed: u64, count: usize, max_len: usize) -> Vec<Vec<u8>> {
    let mut x = seed;
    let mut next = move || {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    (0..count)
        .map(|_| {
            let len = (next() as usize) % max_len;
            (0..len).map(|_| next() as u8).collect()
        })
        .collect()
}

#[test]
fn byte_targets_hold_on_their_seeds() {
    for (_, text) in flowlens_fuzz::seeds::HARS {
        flowlens_fuzz::har_import(text.as_bytes());
        flowlens_fuzz::url_params(text.as_bytes());
    }
    for trace in flowlens_fuzz::seeds::traces() {
        flowlens_fuzz::export_zip(&flowlens_fuzz::open::export_bundle(trace));
        for ex in &trace.exchanges {
            flowlens_fuzz::url_params(ex.url.as_bytes());
        }
    }
    flowlens_fuzz::profile(flowlens_fuzz::seeds::PROFILE.as_bytes());
    let flows = flowlens_fuzz::html::html_flows();
    assert!(
        flows.len() >= 4,
        "the real servers' and the HAR writers' flows keep their pages' HTML"
    );
    for (trace, pages) in flows {
        for &i in pages {
            let html = trace.exchanges[i].response_body_text().unwrap_or_default();
            flowlens_fuzz::html::page_html(html.as_bytes());
        }
    }
}

#[test]
fn every_target_holds_on_random_inputs() {
    for (n, (name, target)) in flowlens_fuzz::TARGETS.iter().enumerate() {
        for (i, data) in inputs(0x5EED + n as u64, 32, 2_000).iter().enumerate() {
            if std::panic::catch_unwind(|| target(data)).is_err() {
                panic!("{name}: random input {i} fails: {data:?}");
            }
        }
    }
}
