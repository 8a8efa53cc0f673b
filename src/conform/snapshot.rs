//! Snapshot files in insta's `.snap` format (a YAML header between `---` lines, then the content),
//! so `cargo insta review` can show and accept pending `.snap.new` files the runner writes.
//!
//! Snapshots are built into the binary (see `build.rs`); `--snapshots DIR` reads and writes a
//! checkout's `snapshots/` instead.

use std::path::{Path, PathBuf};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/conform_snapshots.rs"));
}

/// Snapshots built into the binary: (name, file text), name like `saas/signin__wrong_password`.
pub fn embedded() -> &'static [(&'static str, &'static str)] {
    embedded::SNAPSHOTS
}

/// The metadata and content of a snapshot file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapFile {
    pub source: String,
    pub expression: String,
    pub description: Option<String>,
    pub content: String,
}

fn yaml_str(s: &str) -> String {
    // A JSON string literal is a valid YAML double-quoted scalar.
    serde_json::to_string(s).unwrap_or_default()
}

fn yaml_unquote(s: &str) -> String {
    let s = s.trim();
    if s.starts_with('"') {
        serde_json::from_str(s).unwrap_or_else(|_| s.to_string())
    } else {
        s.to_string()
    }
}

impl SnapFile {
    /// Render as insta writes it.
    pub fn render(&self) -> String {
        let mut s = String::from("---\n");
        s.push_str(&format!("source: {}\n", self.source));
        if let Some(d) = &self.description {
            s.push_str(&format!("description: {}\n", yaml_str(d)));
        }
        s.push_str(&format!("expression: {}\n", yaml_str(&self.expression)));
        s.push_str("---\n");
        s.push_str(self.content.trim_end());
        s.push('\n');
        s
    }

    /// Parse a `.snap` file.
    pub fn parse(text: &str) -> Option<SnapFile> {
        let text = text.replace("\r\n", "\n");
        let rest = text.strip_prefix("---\n")?;
        let end = rest.find("\n---\n")?;
        let (header, content) = (&rest[..end], &rest[end + 5..]);
        let mut f = SnapFile {
            source: String::new(),
            expression: String::new(),
            description: None,
            content: content.to_string(),
        };
        for line in header.lines() {
            if let Some((k, v)) = line.split_once(':') {
                match k.trim() {
                    "source" => f.source = yaml_unquote(v),
                    "expression" => f.expression = yaml_unquote(v),
                    "description" => f.description = Some(yaml_unquote(v)),
                    _ => {}
                }
            }
        }
        Some(f)
    }
}

/// Compare contents as insta does: trailing whitespace of lines and trailing blank lines do not count.
pub fn contents_match(a: &str, b: &str) -> bool {
    normalize_content(a) == normalize_content(b)
}

pub fn normalize_content(s: &str) -> String {
    s.replace("\r\n", "\n")
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_string()
}

/// What happened when a scenario's transcript was compared with its snapshot.
#[derive(Debug, Clone, PartialEq)]
pub enum SnapOutcome {
    Matched,
    /// Written as accepted `.snap` (accept mode).
    Accepted(PathBuf),
    /// Differs (or no stored snapshot: `expected` is None); `pending` is the `.snap.new` written, if any.
    Mismatch {
        expected: Option<String>,
        pending: Option<PathBuf>,
    },
}

/// Where snapshots are read and written.
#[derive(Debug, Clone)]
pub struct SnapshotStore {
    pub dir: Option<PathBuf>,
    pub accept: bool,
}

impl SnapshotStore {
    pub fn new(dir: Option<PathBuf>, accept: bool) -> Self {
        let accept = accept || std::env::var("INSTA_UPDATE").is_ok_and(|v| v == "always");
        SnapshotStore { dir, accept }
    }

    fn path(dir: &Path, name: &str) -> PathBuf {
        dir.join(format!("{name}.snap"))
    }

    /// The stored snapshot `name`, from the directory or the built-in set.
    pub fn load(&self, name: &str) -> Option<SnapFile> {
        match &self.dir {
            Some(dir) => std::fs::read_to_string(Self::path(dir, name))
                .ok()
                .and_then(|t| SnapFile::parse(&t)),
            None => embedded()
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, t)| SnapFile::parse(t)),
        }
    }

    /// Compare `snap` with the stored `name`, writing `.snap.new` (or `.snap` when accepting).
    pub fn check(&self, name: &str, snap: &SnapFile) -> SnapOutcome {
        let stored = self.load(name);
        if let Some(s) = &stored {
            if contents_match(&s.content, &snap.content) {
                if let Some(dir) = &self.dir {
                    let _ = std::fs::remove_file(Self::path(dir, name).with_extension("snap.new"));
                }
                return SnapOutcome::Matched;
            }
        }
        let Some(dir) = &self.dir else {
            return SnapOutcome::Mismatch {
                expected: stored.map(|s| s.content),
                pending: None,
            };
        };
        let path = Self::path(dir, name);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        if self.accept {
            if std::fs::write(&path, snap.render()).is_ok() {
                let _ = std::fs::remove_file(path.with_extension("snap.new"));
                return SnapOutcome::Accepted(path);
            }
            return SnapOutcome::Mismatch {
                expected: stored.map(|s| s.content),
                pending: None,
            };
        }
        let pending = path.with_extension("snap.new");
        let written = std::fs::write(&pending, snap.render()).is_ok();
        SnapOutcome::Mismatch {
            expected: stored.map(|s| s.content),
            pending: written.then_some(pending),
        }
    }
}
