#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hotpot_protocol_fuzz::lenient_structured(data));
