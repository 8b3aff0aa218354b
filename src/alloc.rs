//! The process's memory allocator: jemalloc in place of glibc's malloc,
//! for the daemon, the commands, and the tests and benchmarks that link
//! the library (so they measure what ships).
//!
//! Why: glibc gives each thread that allocates an arena of its own (up to
//! eight per core) and keeps most of what they free, which was most of
//! the daemon's steady memory after a poll cycle. jemalloc, built with a
//! background thread that returns freed pages over five seconds
//! (`.cargo/config.toml`), held the load test's steady memory at 65 to
//! 67 MiB against glibc's 92, served `/feed.atom` faster, and cost no
//! more CPU time per item, in two paired runs. With a one-second delay it
//! cost CPU time and serving speed; mimalloc held 147 MiB. SQLite still
//! allocates through glibc. The figures: docs/benchmarks.md, "The
//! allocator".

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[cfg(test)]
mod tests {
    use tikv_jemalloc_ctl::{config, opt};

    /// The settings in `.cargo/config.toml` are the ones compiled in: a
    /// build without them would keep glibc-like peaks between polls.
    #[test]
    fn jemalloc_runs_with_the_settings_the_build_names() {
        let file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.cargo/config.toml")).unwrap();
        let table: toml::Table = toml::from_str(&file).unwrap();
        let wanted = table["env"]["JEMALLOC_SYS_WITH_MALLOC_CONF"].as_str().unwrap();
        // The control crate hands the C string over with its NUL.
        let compiled = config::malloc_conf::read().unwrap().trim_end_matches('\0');
        assert_eq!(compiled, wanted);
        if std::env::var_os("_RJEM_MALLOC_CONF").is_none() {
            assert!(
                opt::background_thread::read().unwrap(),
                "no background thread returns freed pages"
            );
        }
    }
}
