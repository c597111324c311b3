//! The benches' baseline: axum with one route that parses the body as JSON and answers a
//! static 202, on a server runtime of two threads named [`SERVER_THREADS`] (whose CPU time
//! [`server_cpu`] reads), which the mock under test may share.
#![allow(dead_code)] // each bench uses a part

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;

use crate::load;

/// The name of the server runtime's threads.
pub const SERVER_THREADS: &str = "bench-server";

/// CPU seconds used so far by the server runtime's threads.
pub fn server_cpu() -> f64 {
    load::thread_cpu_seconds(SERVER_THREADS)
}

const QUEUED: &str = r#"{"hotpot_request_id":"f1e5ae0a-f90c-4dac-affa-2eda897f5c3f","response":{"success":true,"message":"Your request has been queued."}}"#;

async fn bare(body: Bytes) -> impl IntoResponse {
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(value) => {
            std::hint::black_box(value);
            (
                StatusCode::ACCEPTED,
                [(header::CONTENT_TYPE, "application/json")],
                QUEUED,
            )
        }
        Err(_) => (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"error":"Bad Request"}"#,
        ),
    }
}

/// The server runtime, and the address of the bare route `/moment/{token}` served on it.
pub fn start() -> (tokio::runtime::Runtime, SocketAddr) {
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(SERVER_THREADS)
        .enable_all()
        .build()
        .expect("a runtime");
    let listener = server_rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a port");
    let addr = listener.local_addr().expect("an address");
    let app = Router::new().route("/moment/{token}", post(bare));
    server_rt.spawn(async move { axum::serve(listener, app).await });
    (server_rt, addr)
}
