//! The HTTP API in process: requests through `swarmec::api::router` over a memory store, without a
//! socket, for the tests of endpoints whose answers are read whole.

use std::sync::Arc;

use serde_json::Value;
use swarmec::store::MemStore;

/// The API over a fresh memory store.
pub struct Api {
    rt: tokio::runtime::Runtime,
    router: axum::Router,
    /// The store behind it.
    pub store: Arc<MemStore>,
}

/// One answer, read whole.
pub struct Answer {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// The header's value (the first), as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("text header"))
    }
    /// Every value of the header.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().expect("text header"))
            .collect()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
    /// The `reference` of a 201.
    pub fn reference(&self) -> String {
        assert_eq!(self.status, 201, "{}", String::from_utf8_lossy(&self.body));
        self.json()["reference"]
            .as_str()
            .expect("reference")
            .to_owned()
    }
    /// Asserts a 200.
    pub fn ok(&self) -> &Self {
        assert_eq!(self.status, 200, "{}", String::from_utf8_lossy(&self.body));
        self
    }
    /// Asserts bee's error answer: the status, JSON, its code and message.
    pub fn error(&self, status: u16, message: &str) {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        assert_eq!(self.json()["code"], status);
        assert_eq!(
            self.json()["message"],
            message,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
    }
}

impl Api {
    pub fn new() -> Api {
        let store = Arc::new(MemStore::new());
        let state = swarmec::api::ApiState::new(store.clone(), swarmec::api::ApiConfig::default());
        Api::with_state(state, store)
    }

    /// The API over `state`, whose store (or hook) writes into `store`.
    pub fn with_state(state: swarmec::api::ApiState, store: Arc<MemStore>) -> Api {
        Api {
            rt: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("runtime"),
            router: swarmec::api::router(state),
            store,
        }
    }

    /// One request; a POST gets its `Content-Length`.
    pub fn call(&self, method: &str, uri: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
        use tower::ServiceExt;
        let mut b = axum::http::Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        if method == "POST" {
            b = b.header("content-length", body.len());
        }
        let request = b.body(axum::body::Body::from(body)).expect("request");
        self.rt.block_on(async {
            let response = self
                .router
                .clone()
                .oneshot(request)
                .await
                .expect("response");
            let (parts, body) = response.into_parts();
            let body = axum::body::to_bytes(body, 64 << 20).await.expect("body");
            Answer {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body: body.to_vec(),
            }
        })
    }

    pub fn get(&self, uri: &str) -> Answer {
        self.call("GET", uri, &[], Vec::new())
    }
}
