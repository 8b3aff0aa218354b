//! The environment the daemon runs in: the systemd unit's `Environment=`
//! settings, read from `dist/thbwatch.service` so the load test and the
//! deployed daemon cannot drift apart, or glibc's allocator defaults for
//! comparison. Either way the allocator variables of the load test's own
//! environment stay out: systemd starts the daemon with none of them.

use std::env;

/// The unit file the deployment installs.
const UNIT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/dist/thbwatch.service");

/// How the daemon is set up: which variables it is given and which of
/// the load test's own it does not inherit.
pub(crate) struct Setup {
    /// Named in the output.
    pub name: &'static str,
    pub set: Vec<(String, String)>,
    pub removed: Vec<String>,
}

impl Setup {
    /// As the systemd unit starts it. (Its `THBWATCH_CONFIG` is given
    /// too: the load test's `--config` takes precedence over it.)
    pub(crate) fn unit() -> Setup {
        let text = std::fs::read_to_string(UNIT).unwrap_or_else(|e| panic!("cannot read {UNIT}: {e}"));
        let set = environment(&text).unwrap_or_else(|problem| panic!("{UNIT}: {problem}"));
        Setup {
            name: "the unit's environment",
            set,
            removed: allocator_variables(),
        }
    }

    /// glibc's allocator defaults: none of the unit's settings, nor of the
    /// allocator's variables.
    pub(crate) fn glibc_defaults(unit: &Setup) -> Setup {
        let mut removed = allocator_variables();
        removed.extend(unit.set.iter().map(|(name, _)| name.clone()));
        Setup {
            name: "glibc's defaults",
            set: Vec::new(),
            removed,
        }
    }

    /// The settings as a shell would show them.
    pub(crate) fn describe(&self) -> String {
        if self.set.is_empty() {
            return format!("{} (no allocator variables)", self.name);
        }
        let set: Vec<String> = self.set.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("{} ({})", self.name, set.join(" "))
    }
}

/// glibc's allocator variables in the load test's own environment.
fn allocator_variables() -> Vec<String> {
    env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| name.starts_with("MALLOC_") || name == "GLIBC_TUNABLES")
        .collect()
}

/// Every `Environment=` assignment of the `[Service]` section, in order:
/// `NAME=value`, several to a line, each whole assignment optionally in
/// double quotes (systemd.exec(5)). What this reader does not handle
/// (specifiers, escapes, `EnvironmentFile=`) is refused rather than
/// passed on wrong.
fn environment(unit: &str) -> Result<Vec<(String, String)>, String> {
    let mut section = "";
    let mut set = Vec::new();
    for (n, line) in unit.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line;
            continue;
        }
        if section != "[Service]" {
            continue;
        }
        if line.starts_with("EnvironmentFile=") || line.starts_with("PassEnvironment=") {
            return Err(format!("line {}: {line:?} is not read by the load test", n + 1));
        }
        let Some(assignments) = line.strip_prefix("Environment=") else {
            continue;
        };
        if assignments.contains(['%', '\\', '\'']) {
            return Err(format!(
                "line {}: specifiers, escapes and single quotes are not read by the load test",
                n + 1
            ));
        }
        let mut words = Vec::new();
        let mut rest = assignments.trim();
        while !rest.is_empty() {
            let (word, after) = match rest.strip_prefix('"') {
                Some(quoted) => quoted
                    .split_once('"')
                    .ok_or_else(|| format!("line {}: an unclosed quote", n + 1))?,
                None => rest.split_once(' ').unwrap_or((rest, "")),
            };
            words.push(word);
            rest = after.trim_start();
        }
        for word in words {
            let (name, value) = word
                .split_once('=')
                .filter(|(name, _)| !name.is_empty())
                .ok_or_else(|| format!("line {}: {word:?} is not NAME=value", n + 1))?;
            set.retain(|(earlier, _): &(String, String)| earlier != name);
            set.push((name.to_string(), value.to_string()));
        }
    }
    Ok(set)
}
