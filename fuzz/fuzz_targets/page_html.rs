#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| flowlens_fuzz::html::page_html(data));
