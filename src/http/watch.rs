//! `serve --watch`: reload the fixtures file when it changes.
//!
//! A task polls the file's modification time and length every [`WATCH_INTERVAL`] (no extra
//! dependency, works on every file system, including bind mounts where change notifications are
//! unreliable). A change loads the file with the same checks as start-up; a good file replaces
//! the domain's fixtures and state atomically (`Domain::replace_fixtures`) and the fixture
//! faults; a broken one leaves the last good state serving, logs a warning with the file, place
//! and problem, and shows the error in `GET /__mock/health` under `fixtures.error`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use serde_json::{json, Value};
use tokio::sync::oneshot;

use crate::domain::{FixtureError, Fixtures};

use super::AppState;

/// How often `--watch` looks at the fixtures file.
pub(crate) const WATCH_INTERVAL: Duration = Duration::from_millis(500);

/// Loads a fixtures file with every check the server makes.
pub fn load_fixtures(path: &Path) -> Result<Fixtures, FixtureError> {
    Fixtures::load(path)
}

/// Where the fixtures came from and how the last (re)load went, for `GET /__mock/health`.
#[derive(Debug)]
pub struct FixtureStatus {
    inner: Mutex<StatusInner>,
}

#[derive(Debug, Clone)]
struct StatusInner {
    /// The file given to `--fixtures`; `None` for the embedded defaults.
    path: Option<String>,
    /// When the fixtures in force were loaded, in unix seconds of the mock's clock.
    loaded_at: i64,
    /// The problem of the last attempt, when it failed (the previous fixtures still serve).
    error: Option<String>,
}

impl FixtureStatus {
    pub(crate) fn new(path: Option<&Path>, loaded_at: i64) -> Self {
        FixtureStatus {
            inner: Mutex::new(StatusInner {
                path: path.map(|p| p.display().to_string()),
                loaded_at,
                error: None,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, StatusInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `{"path":…,"loaded_at":…,"error":null|"…"}`.
    pub(crate) fn to_json(&self) -> Value {
        let s = self.lock().clone();
        json!({ "path": s.path, "loaded_at": s.loaded_at, "error": s.error })
    }

    fn loaded(&self, at: i64) {
        let mut s = self.lock();
        s.loaded_at = at;
        s.error = None;
    }

    fn failed(&self, error: String) {
        self.lock().error = Some(error);
    }
}

/// What identifies a version of the file: modification time and length (`None`: unreadable).
type Stamp = Option<(SystemTime, u64)>;

fn stamp(path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// Loads `path` into `app`, or records why it could not.
pub(crate) fn reload(app: &AppState, path: &Path) {
    match load_fixtures(path) {
        Ok(mut fixtures) => {
            app.config.adjust(&mut fixtures);
            app.stores.replace_fixtures(Arc::new(fixtures));
            app.fixtures_status.loaded(app.domain().clock().now());
            tracing::info!(file = %path.display(), "fixtures reloaded");
        }
        Err(e) => {
            tracing::warn!(problem = %e, "fixtures not reloaded, the last good ones keep serving");
            app.fixtures_status.failed(e.to_string());
        }
    }
}

/// The `--watch` task. Dropping the handle stops it.
pub(crate) struct WatchTask {
    stop: Option<oneshot::Sender<()>>,
}

impl WatchTask {
    /// Starts watching `path` on the current Tokio runtime; the current version of the file is
    /// taken as loaded.
    pub(crate) fn start(app: Arc<AppState>, path: PathBuf, interval: Duration) -> WatchTask {
        let (tx, mut rx) = oneshot::channel::<()>();
        // Taken now, not when the task first runs, so a save right after start is not missed.
        let mut seen = stamp(&path);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = &mut rx => break,
                    _ = tick.tick() => {
                        let now = stamp(&path);
                        if now != seen {
                            seen = now;
                            reload(&app, &path);
                        }
                    }
                }
            }
        });
        WatchTask { stop: Some(tx) }
    }
}

impl Drop for WatchTask {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}
