//! Slots and adoption (spec §10): every emitter of a service on one directory, each in a slot of
//! its own, and orphaned slots sent by the living, once each.

use super::*;

// --- slots: every emitter of a service on one directory ------------------------------------------

#[test]
fn emitters_in_several_processes_share_one_spool_each_in_a_slot_of_its_own() {
    let dir = TempDir::new("slots");
    let server = Server::start(Answer::Status(503));
    let mut first = ChildRun::start(&dir.0, &server.url(), 3);
    for i in 0..3 {
        assert_eq!(first.next_line(), Some(format!("emitted {i}")));
    }
    // Not refused: this process's emitter takes the next slot.
    let here = Emitter::builder(client(&server.url()))
        .spool(&dir.0)
        .retry(fast_retry())
        .build()
        .unwrap();
    here.emit(moment("here 0")).unwrap();
    let mut second = ChildRun::start(&dir.0, &server.url(), 2);
    for i in 0..2 {
        assert_eq!(second.next_line(), Some(format!("emitted {i}")));
    }
    // Named by number, never by process id.
    assert_eq!(slot_names(&dir.0), ["slot-0", "slot-1", "slot-2"]);
    first.kill();
    second.kill();

    // Hotpot is back: flush_spool drains the dead processes' slots and leaves the live one's
    // (which may adopt some of them first: between them, each slot is sent once).
    server.set_default(Answer::Accept);
    let report = flush_spool(&dir.0, client(&server.url()), Duration::from_secs(10)).unwrap();
    assert!(report.live_slots >= 1, "{report}");
    assert_eq!(report.found, report.delivered, "{report}");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while server.accepted().len() < 6 {
        assert!(
            std::time::Instant::now() < deadline,
            "not every moment arrived"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    here.shutdown(Duration::from_secs(1));
    assert_eq!(report.found + here.stats().recovered, 5, "{report}");
    let accepted = server.accepted();
    let mut names: Vec<String> = accepted.iter().map(|s| s.name.clone()).collect();
    names.sort();
    assert_eq!(names, ["here 0", "m0", "m0", "m1", "m1", "m2"]);
    let keys: HashSet<&str> = accepted.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys.len(), 6, "a moment was recorded twice");
    assert_eq!(segment_bytes(&dir.0), 0);
}

#[test]
fn two_emitters_in_one_process_take_two_slots_and_slots_are_reused() {
    let dir = TempDir::new("slots-here");
    let server = Server::start(Answer::Accept);
    let build = || {
        Emitter::builder(client(&server.url()))
            .spool(&dir.0)
            .build()
            .unwrap()
    };
    let (first, second) = (build(), build());
    first.emit(moment("first")).unwrap();
    second.emit(moment("second")).unwrap();
    assert!(!first.flush(Duration::from_secs(5)).timed_out);
    assert!(!second.flush(Duration::from_secs(5)).timed_out);
    assert_eq!(slot_names(&dir.0), ["slot-0", "slot-1"]);
    first.shutdown(Duration::from_secs(1));
    second.shutdown(Duration::from_secs(1));
    // Emitters made one after another reuse the free slots: their number stays at the peak.
    for _ in 0..5 {
        let (a, b) = (build(), build());
        a.shutdown(Duration::ZERO);
        b.shutdown(Duration::ZERO);
    }
    assert_eq!(slot_names(&dir.0), ["slot-0", "slot-1"]);
    let mut names: Vec<String> = server.accepted().into_iter().map(|s| s.name).collect();
    names.sort();
    assert_eq!(names, ["first", "second"]);
}

#[test]
fn a_spool_of_the_single_owner_layout_is_taken_over_as_one_slot() {
    let dir = TempDir::new("single-owner");
    let server = Server::start(Answer::Status(503));
    let acknowledged = emit_and_kill_all(&dir.0, &server, 3);
    // The layout of earlier versions: the lock and the segments in the directory itself.
    let slot = dir.0.join("slot-0");
    for file in std::fs::read_dir(&slot).unwrap() {
        let path = file.unwrap().path();
        std::fs::rename(&path, dir.0.join(path.file_name().unwrap())).unwrap();
    }
    std::fs::remove_dir(&slot).unwrap();
    assert!(slot_names(&dir.0).is_empty());
    assert_eq!(restart_and_check(&dir.0, &server, &acknowledged), 3);
    assert_eq!(slot_names(&dir.0), ["slot-0"]);
    let top_level = std::fs::read_dir(&dir.0)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "seg")
        })
        .count();
    assert_eq!(top_level, 0, "the segments moved into the slot");
}

// --- adoption: orphaned slots are sent by the living -----------------------------------------------

/// Children emitting `counts[i]` moments each (the server answering 503), each in a slot of
/// its own, all killed.
fn orphaned_slots(dir: &Path, server: &Server, counts: &[usize]) {
    let runs: Vec<ChildRun> = counts
        .iter()
        .map(|&n| {
            let mut run = ChildRun::start(dir, &server.url(), n);
            for i in 0..n {
                assert_eq!(run.next_line(), Some(format!("emitted {i}")));
            }
            run
        })
        .collect();
    for run in runs {
        run.kill();
    }
}

/// The names the server accepted, sorted, after checking that no key was recorded twice.
fn accepted_names(server: &Server) -> Vec<String> {
    let accepted = server.accepted();
    let keys: HashSet<&str> = accepted.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(keys.len(), accepted.len());
    let mut names: Vec<String> = accepted.iter().map(|s| s.name.clone()).collect();
    names.sort();
    names
}

#[test]
fn an_emitter_adopts_the_orphaned_slots_it_finds_at_start() {
    let dir = TempDir::new("adopt-start");
    let server = Server::start(Answer::Status(503));
    orphaned_slots(&dir.0, &server, &[3, 2]);
    server.set_default(Answer::Accept);
    let emitter = Emitter::builder(client(&server.url()))
        .spool(&dir.0)
        .retry(fast_retry())
        .build()
        .unwrap();
    // Its own slot (slot-0, the lowest free) and the other orphan.
    assert_eq!(emitter.stats().recovered, 5);
    let report = emitter.flush(Duration::from_secs(10));
    assert!(!report.timed_out, "{report}");
    emitter.shutdown(Duration::from_secs(1));
    assert_eq!(accepted_names(&server), ["m0", "m0", "m1", "m1", "m2"]);
    assert_eq!(segment_bytes(&dir.0), 0);
}

#[test]
fn a_live_emitter_adopts_a_slot_orphaned_while_it_runs_with_the_original_keys() {
    let dir = TempDir::new("adopt-live");
    let server = Server::start(Answer::Status(503));
    let emitter = Emitter::builder(client(&server.url()))
        .spool(&dir.0)
        .retry(fast_retry())
        .build()
        .unwrap();
    let mut run = ChildRun::start(&dir.0, &server.url(), 3);
    for i in 0..3 {
        assert_eq!(run.next_line(), Some(format!("emitted {i}")));
    }
    let names: HashSet<String> = (0..3).map(|i| format!("m{i}")).collect();
    server.wait_for_requests_of(&names, Duration::from_secs(20));
    let child_keys: HashSet<String> = server.requests().into_iter().map(|s| s.key).collect();
    run.kill();
    server.set_default(Answer::Accept);
    // Adopted within the interval (10 s); 60 s only as a safety net.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while server.accepted().len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "the orphaned slot was never adopted"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(emitter.stats().recovered, 3);
    let accepted_keys: HashSet<String> = server.accepted().into_iter().map(|s| s.key).collect();
    assert!(
        accepted_keys.is_subset(&child_keys),
        "keys changed on adoption"
    );
    assert!(!emitter.flush(Duration::from_secs(10)).timed_out);
    emitter.shutdown(Duration::from_secs(1));
    assert_eq!(accepted_names(&server), ["m0", "m1", "m2"]);
    assert_eq!(segment_bytes(&dir.0), 0);
}

#[test]
fn emitters_starting_at_once_adopt_each_orphaned_slot_exactly_once() {
    let dir = TempDir::new("adopt-race");
    let server = Server::start(Answer::Status(503));
    orphaned_slots(&dir.0, &server, &[2, 2, 2, 2]);
    server.set_default(Answer::Accept);
    let barrier = std::sync::Barrier::new(6);
    let emitters: Vec<Emitter> = std::thread::scope(|scope| {
        let started: Vec<_> = (0..6)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    Emitter::builder(client(&server.url()))
                        .spool(&dir.0)
                        .retry(fast_retry())
                        .build()
                        .unwrap()
                })
            })
            .collect();
        started.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let recovered: u64 = emitters.iter().map(|e| e.stats().recovered).sum();
    assert_eq!(recovered, 8);
    for emitter in &emitters {
        assert!(!emitter.flush(Duration::from_secs(10)).timed_out);
        emitter.shutdown(Duration::from_secs(1));
    }
    assert_eq!(
        accepted_names(&server),
        ["m0", "m0", "m0", "m0", "m1", "m1", "m1", "m1"]
    );
    assert_eq!(segment_bytes(&dir.0), 0);
}
