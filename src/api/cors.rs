//! Cross-origin requests as bee v2.8.1 answers them (`pkg/api/api.go` `corsHandler` and
//! `checkOrigin`, `pkg/jsonhttp` `MethodHandler`), so that a web page on another origin can call the
//! node when the operator allows that origin (`--cors-allowed-origins`).
//!
//! A request whose `Origin` is allowed (listed, case-insensitively; `*` in the list; or the API's
//! own `http://` + `Host`) gets `Access-Control-Allow-Origin` (the origin itself),
//! `-Allow-Credentials: true`, `-Allow-Headers` (bee's list), `-Allow-Methods` and `-Max-Age: 3600`
//! on its response, whatever the response is. Any other origin gets none of them and is still
//! served, as by bee (the browser enforces the rest). `OPTIONS` on a route answers 204 with the
//! route's methods: in `Access-Control-Allow-Methods` when the origin was allowed, else in `Allow`.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiState;

/// The request headers bee lets a page send (bee's `allowedHeaders`, in its order).
const ALLOWED_HEADERS: &str = "User-Agent, Accept, X-Requested-With, \
    Access-Control-Request-Headers, Access-Control-Request-Method, Accept-Ranges, \
    Content-Encoding, Authorization, Accept-Encoding, Content-Type, Content-Disposition, Range, \
    Origin, Swarm-Tag, Swarm-Pin, Swarm-Encrypt, Swarm-Index-Document, Swarm-Error-Document, \
    Swarm-Collection, Swarm-Postage-Batch-Id, Swarm-Postage-Stamp, Swarm-Deferred-Upload, \
    Swarm-Redundancy-Level, Swarm-Redundancy-Strategy, Swarm-Redundancy-Fallback-Mode, \
    Swarm-Chunk-Retrieval-Timeout, Swarm-Lookahead-Buffer-Size, Swarm-Feed-Index, \
    Swarm-Feed-Index-Next, Swarm-Soc-Signature, Swarm-Only-Root-Chunk, Gas-Price, Gas-Limit, \
    Immutable, Swarm-Act, Swarm-Act-Timestamp, Swarm-Act-Publisher, Swarm-Act-History-Address";

/// The methods bee names in `Access-Control-Allow-Methods` before a route narrows them.
const ALLOWED_METHODS: &str = "GET, HEAD, OPTIONS, POST, PUT, DELETE";

/// Whether a request with these headers may be answered with CORS headers: `Origin` is absent,
/// listed in `allowed` (ASCII case-insensitively, or `*` is), or the API's own origin.
pub fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let origin = origin.as_bytes();
    let own = headers
        .get(header::HOST)
        .map(|h| [b"http://", h.as_bytes()].concat());
    allowed
        .iter()
        .map(|a| a.as_bytes())
        .chain(own.as_deref())
        .any(|a| a == b"*" || a.eq_ignore_ascii_case(origin))
}

/// The middleware: adds the CORS headers and answers `OPTIONS`.
pub(super) async fn layer(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    let origin = request.headers().get(header::ORIGIN).cloned();
    let cors =
        origin.is_some() && origin_allowed(request.headers(), &state.config.cors_allowed_origins);
    let options = request.method() == Method::OPTIONS;
    let mut response = next.run(request).await;
    if options && response.status() == StatusCode::METHOD_NOT_ALLOWED {
        // The route exists but has no OPTIONS handler: its methods come back in `Allow`, written
        // as bee writes them (sorted, ", " between).
        let allow = response
            .headers()
            .get(header::ALLOW)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let mut methods: Vec<&str> = v.split(',').map(str::trim).collect();
                methods.sort_unstable();
                HeaderValue::from_str(&methods.join(", ")).ok()
            });
        response = StatusCode::NO_CONTENT.into_response();
        if let Some(allow) = allow {
            let name = if cors {
                header::ACCESS_CONTROL_ALLOW_METHODS
            } else {
                header::ALLOW
            };
            response.headers_mut().insert(name, allow);
        }
    }
    if let (true, Some(origin)) = (cors, origin) {
        let h = response.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOWED_HEADERS),
        );
        if !(options && h.contains_key(header::ACCESS_CONTROL_ALLOW_METHODS)) {
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(ALLOWED_METHODS),
            );
        }
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("3600"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn origins_as_bee_checks_them() {
        let list = vec!["https://app.example".to_owned()];
        let host = (header::HOST, "127.0.0.1:1633");
        assert!(origin_allowed(&headers(std::slice::from_ref(&host)), &[]));
        assert!(origin_allowed(
            &headers(&[host.clone(), (header::ORIGIN, "HTTPS://APP.example")]),
            &list
        ));
        assert!(!origin_allowed(
            &headers(&[host.clone(), (header::ORIGIN, "https://other.example")]),
            &list
        ));
        assert!(origin_allowed(
            &headers(&[host.clone(), (header::ORIGIN, "https://other.example")]),
            &["*".to_owned()]
        ));
        // The API's own origin, over http (this server has no TLS).
        assert!(origin_allowed(
            &headers(&[host.clone(), (header::ORIGIN, "http://127.0.0.1:1633")]),
            &[]
        ));
        assert!(!origin_allowed(
            &headers(&[host, (header::ORIGIN, "https://127.0.0.1:1633")]),
            &[]
        ));
        assert!(!origin_allowed(
            &headers(&[(header::ORIGIN, "http://127.0.0.1:1633")]),
            &[]
        ));
    }
}
