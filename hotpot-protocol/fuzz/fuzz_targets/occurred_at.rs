#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hotpot_protocol_fuzz::occurred_at(data));
