//! Deduplication (spec §11): the same event from the same place folds into one moment for the
//! window, and distinct errors logged from one callsite stay distinct moments.

use super::*;

#[test]
fn the_same_event_from_the_same_place_is_folded_and_counted_in_the_next_moment() {
    let s = Setup::new();
    // A second: the seven calls before the pause fall within it even on a loaded machine.
    let window = Duration::from_secs(1);
    let layer = MomentLayer::new(s.emitter.clone()).dedup_window(window);
    s.log_with(layer, || {
        let disk_full = |host: &str| tracing::error!("Disk full on {host}");
        for _ in 0..5 {
            disk_full("db-1"); // one moment, four folded
        }
        disk_full("db-2"); // another message from the same place
        tracing::error!("Disk full on db-1"); // the same message from another place
        std::thread::sleep(window + Duration::from_millis(100));
        for _ in 0..3 {
            disk_full("db-1"); // one moment saying four were folded, then two folded
        }
    });
    // The emitter sends several at once: find each moment by its description.
    let moments = s.moments(4);
    let (db1, db2) = ("Disk full on db-1", "Disk full on db-2");
    let mut seen: Vec<_> = moments
        .iter()
        .map(|m| {
            let d = m.description.as_deref().unwrap();
            let folded = d.contains("**Folded:**");
            (
                m.name.as_str(),
                folded,
                d.contains("**Folded:** 4 more records like this one"),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            (db1, false, false),
            (db1, false, false),
            (db1, true, true),
            (db2, false, false)
        ],
        "{moments:#?}"
    );
    assert_eq!(
        s.emitter.stats().emitted,
        4,
        "the 2 records after it are folded"
    );
}

/// Another error type, for the root of a chain.
#[derive(Debug)]
struct Timeout;

impl std::fmt::Display for Timeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("timed out")
    }
}

impl std::error::Error for Timeout {}

#[test]
fn distinct_errors_from_one_callsite_are_distinct_moments_and_repeats_still_fold() {
    let s = Setup::new();
    let layer = MomentLayer::new(s.emitter.clone()).dedup_window(Duration::from_secs(60));
    let parse = "x".parse::<u32>().unwrap_err();
    let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no card file");
    let denied = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "no card file");
    // Another type again (the root of its chain: itself).
    let wrapped = Wrapped("charge failed", None);
    s.log_with(layer, || {
        let failed = |e: &(dyn std::error::Error + 'static)| {
            tracing::error!(error = e, "Exception on /pay [GET]");
        };
        for e in [
            &parse as &(dyn std::error::Error + 'static),
            &io,
            &denied,
            &Timeout,
            &wrapped,
            &parse, // repeats: folded
            &io,
            &Timeout,
        ] {
            failed(e);
        }
        tracing::error!("Exception on /pay [GET]"); // no error at all: its own place too
    });
    let moments = s.moments(6);
    assert!(moments.iter().all(|m| m.name == "Exception on /pay [GET]"));
    assert_eq!(s.emitter.stats().emitted, 6, "{moments:#?}");
}
