//! The request journal: the last [`JOURNAL_CAPACITY`] requests to the mock (GraphQL and REST,
//! never the `/__mock` control API itself), newest last, for `GET /__mock/journal`.
//!
//! A middleware records one entry per response. GraphQL entries carry the first root field of
//! the executed operation, which the front door leaves in the response's extensions as a
//! [`GraphqlSummary`].

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use axum::extract::Request;
use axum::response::Response;
use serde::Serialize;

use super::faults::FaultMark;
use super::front_door::GraphqlSummary;
use super::gate::Served;
use super::startup::LogMs;

/// How many requests the journal keeps (older ones are dropped first).
pub const JOURNAL_CAPACITY: usize = 1000;

/// The longest path, method and operation name an entry keeps, in characters; longer ones are
/// cut and end with `…` (**mock decision**: a path may be 64 KiB long, and 1000 of those would
/// be 64 MB; a bounded entry keeps the journal's memory bounded too).
pub const MAX_PATH_CHARS: usize = 1024;
pub(crate) const MAX_METHOD_CHARS: usize = 32;
pub(crate) const MAX_OPERATION_CHARS: usize = 256;

/// `text` cut to `max` characters, marked with `…` when cut.
fn bounded(text: &str, max: usize) -> Text {
    // A text of at most `max` bytes has at most `max` characters: no need to count them.
    if text.len() <= max {
        return text.into();
    }
    match text.char_indices().nth(max) {
        Some((at, _)) => compact_str::format_compact!("{}…", &text[..at]),
        None => text.into(),
    }
}

/// [`bounded`] for a text already owned: kept as it is, not copied, when short enough.
fn bounded_owned(text: Text, max: usize) -> Text {
    if text.len() > max && text.char_indices().nth(max).is_some() {
        bounded(&text, max)
    } else {
        text
    }
}

/// One journaled request, serialized as the control API shows it.
/// A journal entry's texts: up to 24 bytes (a method, most paths, most operation names) held
/// inline, so journaling a request allocates nothing for them.
pub type Text = compact_str::CompactString;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JournalEntry {
    /// When the request arrived, in unix seconds of the mock's clock (virtual when moved).
    pub at: i64,
    pub method: Text,
    pub path: Text,
    /// GraphQL: the first root field (`generateCustomerToken`); REST and parse failures: `null`.
    pub operation: Option<Text>,
    pub status: u16,
    /// Time spent answering, in milliseconds, rounded to 0.01 ms.
    pub duration_ms: f64,
    /// The injected fault that shaped the answer, if any (`status` 0: the connection was dropped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<FaultMark>,
}

/// A bounded, shared list of [`JournalEntry`]. A std mutex: each critical section is a push or
/// a copy, never held across an await.
#[derive(Debug, Default)]
pub struct Journal {
    entries: Mutex<VecDeque<JournalEntry>>,
}

impl Journal {
    fn lock(&self) -> MutexGuard<'_, VecDeque<JournalEntry>> {
        // A panic while holding the lock leaves a valid deque: keep journaling.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds an entry, dropping the oldest beyond [`JOURNAL_CAPACITY`].
    pub(crate) fn record(&self, entry: JournalEntry) {
        let mut entries = self.lock();
        if entries.len() >= JOURNAL_CAPACITY {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// The newest `limit` entries (all when `None`), newest last.
    pub fn latest(&self, limit: Option<usize>) -> Vec<JournalEntry> {
        let entries = self.lock();
        let skip = limit.map_or(0, |n| entries.len().saturating_sub(n));
        entries.iter().skip(skip).cloned().collect()
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    #[cfg(any(test, feature = "test-support"))]
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

/// True for the control API's own paths, which are not journaled.
pub(crate) fn is_control_path(path: &str) -> bool {
    path == "/__mock" || path.starts_with("/__mock/")
}

/// Middleware, outermost: logs one line per request (method, path as sent, GraphQL operation,
/// status, milliseconds, and the fault that shaped the answer) — the only place requests are
/// logged — and journals every request outside `/__mock` in the store that served it.
pub(crate) async fn record<F>(request: Request, next: impl FnOnce(Request) -> F) -> Response
where
    F: std::future::Future<Output = Response>,
{
    let path = Text::from(request.uri().path());
    let method = request.method().clone();
    let started = Instant::now();
    let response = next(request).await;
    let elapsed = started.elapsed();
    let operation = response
        .extensions()
        .get::<GraphqlSummary>()
        .and_then(|s| s.operation.clone());
    let fault = response.extensions().get::<FaultMark>().cloned();
    // A dropped connection has no status: the client saw none.
    let status = match &fault {
        Some(f) if f.kind == "drop" => 0,
        _ => response.status().as_u16(),
    };
    let served = response.extensions().get::<Served>().cloned();
    let control = served.as_ref().map_or(is_control_path(&path), |_| {
        is_control_path(super::gate::tenant_of(&path).map_or(path.as_str(), |(_, rest)| rest))
    });
    if control {
        // The console polls the control API every second: not worth a line at info.
        tracing::debug!(method = %method, path = %path, status, ms = %LogMs(elapsed), "control");
        return response;
    }
    tracing::info!(
        method = %method,
        path = %path,
        operation = %operation.as_deref().unwrap_or("-"),
        status,
        ms = %LogMs(elapsed),
        fault = fault.as_ref().map(|f| f.kind),
        "request"
    );
    if let Some(Served { store, at }) = served {
        store.journal.record(JournalEntry {
            at,
            method: bounded(method.as_str(), MAX_METHOD_CHARS),
            path: bounded_owned(path, MAX_PATH_CHARS),
            operation: operation.map(|o| bounded_owned(o, MAX_OPERATION_CHARS)),
            status,
            duration_ms: (elapsed.as_secs_f64() * 100_000.0).round() / 100.0,
            fault,
        });
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_and_marked() {
        assert_eq!(bounded("abc", 3), "abc");
        assert_eq!(bounded("abcd", 3), "abc…");
        assert_eq!(bounded("éé", 2), "éé");
        assert_eq!(bounded("ééé", 2), "éé…");
        assert_eq!(bounded_owned("éé".into(), 2), "éé");
        assert_eq!(bounded_owned("ééé".into(), 2), "éé…");
        assert_eq!(bounded_owned("abc".into(), 3), "abc");
        assert_eq!(
            bounded(&"é".repeat(5000), MAX_PATH_CHARS).chars().count(),
            MAX_PATH_CHARS + 1
        );
    }

    fn entry(n: i64) -> JournalEntry {
        JournalEntry {
            at: n,
            method: "POST".into(),
            path: "/graphql".into(),
            operation: None,
            status: 200,
            duration_ms: 0.0,
            fault: None,
        }
    }

    #[test]
    fn journal_keeps_the_last_thousand_newest_last() {
        let j = Journal::default();
        for n in 0..1005 {
            j.record(entry(n));
        }
        assert_eq!(j.len(), JOURNAL_CAPACITY);
        let all = j.latest(None);
        assert_eq!(all.first().unwrap().at, 5);
        assert_eq!(all.last().unwrap().at, 1004);
        let two: Vec<i64> = j.latest(Some(2)).iter().map(|e| e.at).collect();
        assert_eq!(two, vec![1003, 1004]);
        assert_eq!(j.latest(Some(5000)).len(), JOURNAL_CAPACITY);
        j.clear();
        assert!(j.is_empty());
    }
}
