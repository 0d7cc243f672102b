#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| flowlens_fuzz::har_import(data));
