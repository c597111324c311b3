//! `spool_max_bytes` (spec §10): the bound on the whole spool directory, every slot counted;
//! an `emit` past it is refused as on a full disk, the moment handed back.

use super::*;
use hotpot_client::{Moment, MomentType};

/// A moment of about 2 KB, so that a bound of a few hundred KiB fills quickly.
fn big_moment(name: String) -> Moment {
    Moment::builder(name, MomentType::Alert)
        .description("x".repeat(2000))
        .build()
        .unwrap()
}

/// Emits big moments named `{tag}{i}` until one is refused (or `limit` are accepted);
/// returns the names accepted and the refusal.
fn emit_until_refused(
    emitter: &Emitter,
    tag: &str,
    limit: usize,
) -> (Vec<String>, Option<EmitError>) {
    let mut accepted = Vec::new();
    for i in 0..limit {
        let name = format!("{tag}{i}");
        match emitter.emit(big_moment(name.clone())) {
            Ok(()) => accepted.push(name),
            Err(e) => return (accepted, Some(e)),
        }
    }
    (accepted, None)
}

/// The refusal is `EmitError::Spool` with the moment handed back and a `StorageFull` error
/// that names the setting.
fn assert_refused_by_the_bound(refusal: Option<EmitError>, expected_name: &str) {
    match refusal {
        Some(EmitError::Spool { moment, error }) => {
            assert_eq!(moment.name(), expected_name);
            assert_eq!(error.kind(), std::io::ErrorKind::StorageFull, "{error}");
            assert!(error.to_string().contains("spool_max_bytes"), "{error}");
        }
        other => panic!("expected a refusal by spool_max_bytes, found {other:?}"),
    }
}

#[test]
fn an_emit_past_spool_max_bytes_is_refused_and_the_spool_takes_moments_again_once_delivered() {
    const MAX: u64 = 200_000;
    let dir = TempDir::new("max-bytes");
    let server = Server::start(Answer::Status(503));
    let emitter = Emitter::builder(client(&server.url()))
        .spool(&dir.0)
        .spool_max_bytes(MAX)
        .retry(fast_retry())
        .capacity(100_000)
        .build()
        .unwrap();
    let (accepted, refusal) = emit_until_refused(&emitter, "m", 1000);
    assert!(accepted.len() > 20, "{}", accepted.len());
    assert_refused_by_the_bound(refusal, &format!("m{}", accepted.len()));
    assert!(segment_bytes(&dir.0) <= MAX, "{}", segment_bytes(&dir.0));
    assert_eq!(emitter.stats().dropped, 1);

    // Hotpot is back: everything accepted is delivered, and the spool takes moments again
    // (its settled segment gives its space back).
    server.set_default(Answer::Accept);
    let report = emitter.flush(Duration::from_secs(30));
    assert_eq!(report.delivered, accepted.len() as u64, "{report:?}");
    let (again, refusal) = emit_until_refused(&emitter, "again", 40);
    assert_eq!(again.len(), 40, "refused after delivery: {refusal:?}");
    assert!(segment_bytes(&dir.0) <= MAX, "{}", segment_bytes(&dir.0));
    let report = emitter.shutdown(Duration::from_secs(30));
    assert_eq!(report.delivered, (accepted.len() + 40) as u64, "{report:?}");
}

#[test]
fn spool_max_bytes_counts_every_slot_of_the_directory() {
    let dir = TempDir::new("max-bytes-slots");
    let server = Server::start(Answer::Status(503));
    let first = Emitter::builder(client(&server.url()))
        .spool(&dir.0)
        .retry(fast_retry())
        .capacity(100_000)
        .build()
        .unwrap();
    // The first emitter's slot takes about 300 KB.
    let (filled, refusal) = emit_until_refused(&first, "first", 150);
    assert!(refusal.is_none(), "{refusal:?}");
    // The second, bounded at 256 KiB, is refused as soon as its slot must grow (at 64 KiB),
    // though its own slot is far from the bound.
    let second = Emitter::builder(client(&server.url()))
        .spool(&dir.0)
        .spool_max_bytes(256 << 10)
        .retry(fast_retry())
        .capacity(100_000)
        .build()
        .unwrap();
    let (accepted, refusal) = emit_until_refused(&second, "second", 1000);
    assert_refused_by_the_bound(refusal, &format!("second{}", accepted.len()));
    assert!(accepted.len() < 64, "{}", accepted.len());
    let own = segment_bytes(&dir.0.join("slot-1"));
    assert!(own <= 64 << 10, "{own}");

    // Nothing accepted was lost: all of it is delivered once Hotpot is back.
    server.set_default(Answer::Accept);
    let a = first.shutdown(Duration::from_secs(30));
    let b = second.shutdown(Duration::from_secs(30));
    assert_eq!(a.delivered, filled.len() as u64, "{a:?}");
    assert_eq!(b.delivered, accepted.len() as u64, "{b:?}");
}

#[test]
fn a_spool_max_bytes_of_zero_is_a_config_error_naming_it() {
    let err = Emitter::builder(client("http://127.0.0.1:9/moment/abcd1234"))
        .spool(std::env::temp_dir().join("hotpot-never-made"))
        .spool_max_bytes(0)
        .build()
        .unwrap_err();
    assert!(err.is_config());
    assert!(
        err.to_string()
            .contains("spool_max_bytes: expected at least 1 byte, found 0"),
        "{err}"
    );
}
