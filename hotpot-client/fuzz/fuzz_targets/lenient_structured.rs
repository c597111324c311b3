#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hotpot_client_fuzz::lenient_structured(data));
