//! Values that may be secrets (a channel's token, a source address with a
//! key in it): written in the file under `KEY`, or read from an
//! environment variable named under `KEY_env`, or from a file named under
//! `KEY_file` (a systemd credential, say), so they need not stand in the
//! main file. At most one of the three; a [`Secret`] never shows in `Debug`.

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::reader::{Diagnostics, Table};
use super::sections::non_empty;

/// A credential. `Debug` never shows it; only the sending code reads it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<secret>")
    }
}

/// The most a secret file may hold: a key or an address is far smaller.
pub(crate) const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

/// Where a value was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Given {
    /// In the configuration file itself.
    Inline,
    /// In the environment variable of this name.
    Env(String),
    /// In this file.
    File(PathBuf),
}

/// A value read from wherever it was given, with the span of the key that
/// gave it (where problems with it are reported).
#[derive(Debug)]
pub(crate) struct Value {
    pub text: String,
    pub span: Range<usize>,
    /// The key that gave it (`url`, `url_env` or `url_file`).
    pub key: String,
    pub given: Given,
}

/// The value under `key`, `key_env` or `key_file`, at most one of them.
/// `Some(None)` when none is given; `None` after reporting a problem.
pub(crate) fn read(
    diag: &mut Diagnostics<'_>,
    t: &mut Table<'_, '_>,
    key: &str,
    base_dir: &Path,
) -> Option<Option<Value>> {
    let env_key = format!("{key}_env");
    let file_key = format!("{key}_file");
    let given: Vec<(String, &str, Range<usize>)> = [key, env_key.as_str(), file_key.as_str()]
        .into_iter()
        .filter_map(|k| t.string(diag, k).map(|(v, s)| (k.to_string(), v, s)))
        .collect();
    let unreadable = [key, env_key.as_str(), file_key.as_str()]
        .iter()
        .any(|k| t.get(k).is_some())
        && given.is_empty();
    if unreadable {
        // Not a string: reported already.
        return None;
    }
    let Some((used, text, span)) = given.first().cloned() else {
        return Some(None);
    };
    if given.len() > 1 {
        diag.report(
            span,
            t.key_path(key),
            format!("give only one of {key}, {env_key}, {file_key}"),
        );
        return None;
    }
    let path = t.key_path(&used);
    let (text, given) = if used == key {
        (non_empty(diag, span.clone(), path, text)?, Given::Inline)
    } else if used == env_key {
        (from_env(diag, span.clone(), path, text)?, Given::Env(text.to_string()))
    } else {
        let (value, file) = from_file(diag, span.clone(), path, text, base_dir)?;
        (value, Given::File(file))
    };
    Some(Some(Value {
        text,
        span,
        key: used,
        given,
    }))
}

/// A secret under `key`, `key_env` or `key_file`: `Some(None)` when none
/// is given.
pub(crate) fn secret(
    diag: &mut Diagnostics<'_>,
    t: &mut Table<'_, '_>,
    key: &str,
    base_dir: &Path,
) -> Option<Option<Secret>> {
    read(diag, t, key, base_dir).map(|value| value.map(|v| Secret(v.text)))
}

fn from_env(diag: &mut Diagnostics<'_>, span: Range<usize>, key: String, name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => Some(value.trim().to_string()),
        _ => {
            diag.report(span, key, format!("the environment variable {name:?} is not set"));
            None
        }
    }
}

/// Relative to the configuration's folder; `$CREDENTIALS_DIRECTORY/` is
/// where systemd puts `LoadCredential=` files.
fn from_file(
    diag: &mut Diagnostics<'_>,
    span: Range<usize>,
    key: String,
    name: &str,
    base_dir: &Path,
) -> Option<(String, PathBuf)> {
    let resolved = match name.strip_prefix("$CREDENTIALS_DIRECTORY/") {
        Some(rest) => std::env::var_os("CREDENTIALS_DIRECTORY").map(|d| Path::new(&d).join(rest)),
        None => Some(base_dir.join(name)),
    };
    let Some(path) = resolved else {
        diag.report(
            span,
            key,
            "CREDENTIALS_DIRECTORY is not set (run under systemd with LoadCredential=)",
        );
        return None;
    };
    match crate::textfile::read(&path, MAX_SECRET_FILE_BYTES) {
        Ok(value) if !value.trim().is_empty() => Some((value.trim().to_string(), path)),
        Ok(_) => {
            diag.report(span, key, format!("{} is empty", path.display()));
            None
        }
        Err(e) => {
            diag.report(span, key, format!("cannot read {}: {e}", path.display()));
            None
        }
    }
}
