//! The command line: parses arguments, sets up logging, runs the daemon
//! ([`thbwatch::serve::run`]) or a one-off command
//! ([`thbwatch::commands`]), and turns the outcome into an exit code.
#![forbid(unsafe_code)]
// Standard output only through `out!`/`outln!`: `print!` panics when the
// reader goes away (`thbwatch eval FILE | head`).
#![deny(clippy::print_stdout)]

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use thbwatch::commands;
use thbwatch::config::{self, Config};
use thbwatch::explain;
use thbwatch::feeds::{Feed, Format, Request};
use thbwatch::health;
use thbwatch::model::Field;
use thbwatch::model::SourceId;
use thbwatch::poll::Status;
use thbwatch::stdout;
use thbwatch::wording::counted;
use tracing_subscriber::EnvFilter;

/// Exit code for a configuration that cannot be used (2 is also clap's
/// code for bad arguments).
const EXIT_CONFIG: u8 = 2;
/// Exit code for a database no retry can use (damaged, another program's,
/// an unknown schema version): a person must act, so the service unit
/// does not restart on it (`RestartPreventExitStatus=`).
const EXIT_DATABASE: u8 = 3;

/// `print!` to standard output through [`stdout::write`]: `out!(...)?`
/// ends the command when the output cannot be written (see [`unwritten`]).
macro_rules! out {
    ($($arg:tt)*) => {
        stdout::write(format_args!($($arg)*))
    };
}

/// `println!` as [`out!`] is `print!`.
macro_rules! outln {
    ($($arg:tt)*) => {
        stdout::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// At most this many threads for blocking work (tokio's default is 512).
/// Parsing, rendering and article extraction each wait for a slot of
/// their own (about one per core) before they take a thread, so the load
/// test never used more than a handful; the cap bounds what a burst of
/// address look-ups could start, each thread with its own stack and
/// allocator cache. Nothing on these threads waits for another of them,
/// so a full pool only queues work.
const BLOCKING_THREADS: usize = 32;

#[derive(Parser)]
#[command(
    name = "thbwatch",
    version,
    about = "Watches ministry and CBSS news feeds for anti-trafficking items"
)]
struct Cli {
    /// Configuration file.
    #[arg(long, short, global = true, env = "THBWATCH_CONFIG", default_value = "config.toml")]
    config: PathBuf,
    /// Log lines as plain text, or as JSON objects for log shippers.
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon: poll on schedule, serve the feeds, stop on SIGINT/SIGTERM.
    Run,
    /// Validate the configuration and print every problem with its line and column.
    Check,
    /// Poll all sources (or the named ones) once, store what is new, print one line each.
    Poll {
        /// Source ids (the keys of [sources.ID]); all when none given.
        ids: Vec<String>,
        /// Poll sources that are backing off after failures too.
        #[arg(long)]
        force: bool,
    },
    /// Fetch one source once and print the items it would give (titles,
    /// absolute links, dates, summaries, tags); nothing is stored. For
    /// getting an HTML source's selectors right before deploying.
    TrySource {
        /// The source id (the key of [sources.ID]).
        id: String,
        /// Also fetch the first item's article and print its text as
        /// full_text would extract it.
        #[arg(long)]
        article: bool,
    },
    /// Show each source's health: state, last success, HTTP status, failures, next try.
    Sources {
        /// Print JSON (as GET /sources.json) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show which tags a text would get, by which terms, where; and what
    /// exclusions cancelled. Exit 0 when a tag matched, 1 when none did.
    Match {
        /// The text (standard input when not given).
        text: Option<String>,
        /// The text's language (ISO 639-1, e.g. "lv"); detected when not given.
        #[arg(long)]
        lang: Option<String>,
        /// The field the text stands for: title, summary, content or categories.
        #[arg(long, default_value = "content", value_parser = parse_field)]
        field: Field,
        /// Print JSON instead of lines.
        #[arg(long)]
        json: bool,
        /// The text is an item, `TITLE | SUMMARY` (as in an eval file), read
        /// as a poll reads an entry: truncated titles joined to their summary.
        #[arg(long, conflicts_with = "field")]
        item: bool,
    },
    /// Score the rules on a labelled file (tab-separated: id, lang, tags,
    /// text): precision, recall and F1 per tag, recall per language, every
    /// error. Exit 1 when a --min-* figure is not reached.
    Eval {
        /// The labelled file.
        file: PathBuf,
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
        /// Least micro precision over all tags (0 to 1).
        #[arg(long, value_parser = parse_fraction)]
        min_precision: Option<f64>,
        /// Least micro recall over all tags (0 to 1).
        #[arg(long, value_parser = parse_fraction)]
        min_recall: Option<f64>,
        /// Least recall of every language that has positive labels (0 to 1).
        #[arg(long, value_parser = parse_fraction)]
        min_language_recall: Option<f64>,
    },
    /// Re-apply the current rules to every stored item, so a rule change reaches history (a running daemon keeps its rules until reloaded).
    Retag,
    /// Copy the database to FILE (a new file), consistently, even while the daemon runs.
    Backup { file: PathBuf },
    /// Delete items older than [storage] retain_untagged / retain_tagged now (the daemon does it daily).
    Prune,
    /// Notification channels: send a test, see what is pending or dead, retry dead letters.
    Notify {
        #[command(subcommand)]
        action: NotifyAction,
    },
    /// Write a published feed (Atom, or JSON Feed with --json) to standard output.
    Export {
        /// Every item, tagged or not (as /all.atom).
        #[arg(long, conflicts_with_all = ["tag", "source"])]
        all: bool,
        /// Only items with this tag.
        #[arg(long, conflicts_with = "source")]
        tag: Option<String>,
        /// Only items of this source.
        #[arg(long)]
        source: Option<String>,
        /// JSON Feed 1.1 instead of Atom.
        #[arg(long)]
        json: bool,
    },
    /// Print the [sources.*] tables for the feeds of an OPML file (a feed
    /// reader's subscriptions), to paste into the configuration.
    ImportOpml {
        /// The OPML file.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum NotifyAction {
    /// Send a test message through one channel now.
    Test {
        /// The channel (the key of [notify.NAME]).
        name: String,
    },
    /// Count deliveries per channel and state; list pending, failed and dead ones.
    Status,
    /// Send dead-lettered deliveries again (of one channel, or all).
    Retry {
        /// Only this channel.
        name: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Until the configuration is read, only warnings (and only the daemon
    // logs at its configured level afterwards).
    if let Command::ImportOpml { file } = &cli.command {
        init_logging("warn", cli.log_format);
        // Needs no configuration: it writes some.
        return written(import_opml(file));
    }
    let config = match Config::load(&cli.config) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("thbwatch: {e}");
            // Only where the file may be the wrong one: a FIFO or an
            // oversized file is the right path with the wrong content.
            if matches!(
                e,
                config::Error::Read {
                    source: thbwatch::textfile::Error::Io(_),
                    ..
                }
            ) {
                eprintln!("hint: pass --config PATH or set THBWATCH_CONFIG");
            }
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let filter = match cli.command {
        Command::Run => config.server.log.clone(),
        // Each failure is on the command's own summary line already.
        Command::Poll { .. } => format!("warn,{}=off", thbwatch::poll::FAILURE_LOG_TARGET),
        _ => "warn".to_string(),
    };
    init_logging(&filter, cli.log_format);
    if let Err(problem) = check_arguments(&cli.command, &config) {
        eprintln!("thbwatch: {problem}");
        return ExitCode::from(EXIT_CONFIG);
    }
    if let Command::Check = cli.command {
        for warning in config.warnings() {
            eprintln!("thbwatch: warning: {warning}");
        }
        return written(
            outln!(
                "{}: ok ({} sources, {} tags)",
                cli.config.display(),
                config.sources.len(),
                config.tags.len()
            )
            .map(|()| ExitCode::SUCCESS),
        );
    }
    if let Command::Match {
        text,
        lang,
        field,
        json,
        item,
    } = cli.command
    {
        // No runtime needed: reading and matching are plain blocking work.
        let field = if item { None } else { Some(field) };
        return written(match_text(&config, text, lang.as_deref(), field, json));
    }
    if let Command::Eval {
        file,
        json,
        min_precision,
        min_recall,
        min_language_recall,
    } = &cli.command
    {
        let minimums = thbwatch::eval::Minimums {
            precision: *min_precision,
            recall: *min_recall,
            language_recall: *min_language_recall,
        };
        return written(eval(&config, file, &minimums, *json));
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("thbwatch: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(execute(cli.command, config)) {
        Ok(code) => code,
        Err(e) => {
            if let Some(e) = e.downcast_ref::<stdout::Error>() {
                return unwritten(e);
            }
            eprintln!("thbwatch: {e:#}");
            let unusable = e
                .chain()
                .any(|cause| matches!(cause.downcast_ref(), Some(thbwatch::store::Error::Unusable { .. })));
            ExitCode::from(if unusable { EXIT_DATABASE } else { 1 })
        }
    }
}

async fn execute(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    match command {
        // Handled before the runtime starts.
        Command::Check | Command::Match { .. } | Command::Eval { .. } => Ok(ExitCode::SUCCESS),
        Command::Run => {
            thbwatch::serve::run(config).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Poll { ids, force } => {
            let results = commands::poll_once(&config, &ids, force).await?;
            let mut failed = false;
            for (id, status) in &results {
                failed |= matches!(status, Status::Failed { .. });
                outln!("{}", poll_line(id, status))?;
            }
            Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::TrySource { id, article } => {
            let trial = thbwatch::trial::run(&config, &id, article).await?;
            out!("{}", thbwatch::trial::render(&id, &trial))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sources { json } => {
            let now = chrono::Utc::now();
            let reports = commands::sources(&config, now).await?;
            if json {
                out!("{}", health::to_json(&reports))?;
            } else {
                out!("{}", health::to_table(&reports, now))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Notify { action } => notify(&config, action).await,
        Command::Backup { file } => {
            commands::backup(&config, &file).await?;
            outln!("backed up {} to {}", config.storage.path.display(), file.display())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Prune => {
            let pruned = commands::prune(&config, chrono::Utc::now()).await?;
            outln!("pruned {} untagged and {} tagged items", pruned.untagged, pruned.tagged)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Retag => {
            let report = commands::retag(&config).await?;
            outln!(
                "retagged {}: {} a tag now (before: {})",
                counted(report.items as u64, "item", "items"),
                counted(report.tagged_after as u64, "carries", "carry"),
                report.tagged_before
            )?;
            // The stored tags changed; a daemon's rules (its tag feeds,
            // what new items get) did not.
            outln!(
                "a running daemon keeps its previous rules until it is reloaded: \
                 systemctl reload thbwatch (or send it SIGHUP)"
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { all, tag, source, json } => {
            let mut request = Request::atom(export_feed(all, tag, source));
            if json {
                request.format = Format::Json;
            }
            out!("{}", commands::export(&config, &request).await?)?;
            Ok(ExitCode::SUCCESS)
        }
        // Handled before the configuration is read.
        Command::ImportOpml { .. } => Ok(ExitCode::SUCCESS),
    }
}

/// Ids and tags named on the command line must exist: a typo is a usage
/// error (exit 2), found before anything runs.
fn check_arguments(command: &Command, config: &Config) -> anyhow::Result<()> {
    match command {
        Command::Poll { ids, .. } => Ok(config.select_sources(ids).map(drop)?),
        Command::TrySource { id, .. } => Ok(config.select_sources(std::slice::from_ref(id)).map(drop)?),
        Command::Export { all, tag, source, .. } => Ok(commands::check_feed(
            config,
            &export_feed(*all, tag.clone(), source.clone()),
        )?),
        Command::Notify {
            action: NotifyAction::Test { name } | NotifyAction::Retry { name: Some(name) },
        } => Ok(commands::UnknownChannel::check(config, name)?),
        Command::Notify { .. } => Ok(()),
        Command::Backup { .. } | Command::Prune => Ok(()),
        Command::Run
        | Command::Check
        | Command::Sources { .. }
        | Command::Match { .. }
        | Command::Eval { .. }
        | Command::Retag
        | Command::ImportOpml { .. } => Ok(()),
    }
}

fn export_feed(all: bool, tag: Option<String>, source: Option<String>) -> Feed {
    match (all, tag, source) {
        (true, _, _) => Feed::All,
        (_, Some(tag), _) => Feed::Tag(tag),
        (_, _, Some(id)) => Feed::Source(SourceId::new(id)),
        _ => Feed::Tagged,
    }
}

fn poll_line(id: &SourceId, status: &Status) -> String {
    match status {
        Status::Fetched { report: r, warning } => {
            let line = format!(
                "{id}: ok: {} new, {} updated, {} unchanged, {} duplicate, {} tagged",
                r.new, r.updated, r.unchanged, r.duplicates, r.tagged
            );
            match warning {
                Some(warning) => format!("{line}; {warning}"),
                None => line,
            }
        }
        Status::NotModified => format!("{id}: not modified"),
        Status::Failed { error, retry_at } => format!("{id}: error: {error} (next attempt {})", time(retry_at)),
        Status::Deferred { until } => format!(
            "{id}: deferred: backing off after failures until {} (--force polls it now)",
            time(until)
        ),
        Status::Abandoned => format!("{id}: abandoned"),
    }
}

async fn notify(config: &Config, action: NotifyAction) -> anyhow::Result<ExitCode> {
    match action {
        NotifyAction::Test { name } => match commands::notify_test(config, &name, chrono::Utc::now()).await? {
            thbwatch::notify::Outcome::Delivered => {
                outln!("{name}: delivered")?;
                Ok(ExitCode::SUCCESS)
            }
            thbwatch::notify::Outcome::Retry { error, .. } | thbwatch::notify::Outcome::Permanent { error } => {
                outln!("{name}: failed: {error}")?;
                Ok(ExitCode::FAILURE)
            }
        },
        NotifyAction::Status => {
            out!("{}", commands::notify_status(config).await?)?;
            Ok(ExitCode::SUCCESS)
        }
        NotifyAction::Retry { name } => {
            let count = commands::notify_retry(config, name.as_deref(), chrono::Utc::now()).await?;
            outln!(
                "{} queued again",
                counted(count as u64, "dead-lettered delivery", "dead-lettered deliveries")
            )?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `thbwatch import-opml`: the tables on standard output, what was
/// skipped (and why) on standard error.
fn import_opml(file: &std::path::Path) -> Result<ExitCode, stdout::Error> {
    let text = match thbwatch::textfile::read(file, thbwatch::import::MAX_OPML_BYTES) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("thbwatch: cannot read {}: {e}", file.display());
            return Ok(ExitCode::from(EXIT_CONFIG));
        }
    };
    match thbwatch::import::opml_to_sources(&text) {
        Ok(imported) => {
            for skipped in &imported.skipped {
                eprintln!("thbwatch: {}: skipped {skipped}", file.display());
            }
            out!("{}", imported.toml)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("thbwatch: {}: {e}", file.display());
            Ok(ExitCode::from(EXIT_CONFIG))
        }
    }
}

/// `thbwatch eval`: exit 0 when every minimum is reached, 1 when one is
/// not, 2 when the file cannot be read or is malformed.
fn eval(
    config: &Config,
    file: &std::path::Path,
    minimums: &thbwatch::eval::Minimums,
    json: bool,
) -> Result<ExitCode, stdout::Error> {
    match commands::eval(config, file, minimums) {
        Ok(report) => {
            if json {
                outln!("{}", serde_json::to_string_pretty(&report).unwrap_or_default())?;
            } else {
                out!("{}", thbwatch::eval::to_text(&report))?;
            }
            Ok(if report.passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Err(e) => {
            eprintln!("thbwatch: {e}");
            Ok(ExitCode::from(EXIT_CONFIG))
        }
    }
}

/// A threshold: a number from 0 to 1.
fn parse_fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(n) if (0.0..=1.0).contains(&n) => Ok(n),
        _ => Err(format!("{text:?} is not a number from 0 to 1 (e.g. 0.95)")),
    }
}

/// `thbwatch match`: exit 0 when a tag matched, 1 when none did. No
/// field: the text is an item, `TITLE | SUMMARY`.
fn match_text(
    config: &Config,
    text: Option<String>,
    lang: Option<&str>,
    field: Option<Field>,
    json: bool,
) -> Result<ExitCode, stdout::Error> {
    let text = match text {
        Some(text) => text,
        None => match std::io::read_to_string(std::io::stdin()) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("thbwatch: cannot read standard input: {e}");
                return Ok(ExitCode::FAILURE);
            }
        },
    };
    let explained = match field {
        Some(field) => commands::explain(config, &text, lang, field),
        None => commands::explain_item(config, &text, lang),
    };
    let (language, explanation) = match explained {
        Ok(found) => found,
        Err(e) => {
            eprintln!("thbwatch: {e:#}");
            return Ok(ExitCode::FAILURE);
        }
    };
    // Detection may override a language given for an item (as in a poll).
    let given = lang.is_some_and(|l| language.as_deref() == Some(l.to_ascii_lowercase().as_str()));
    if json {
        outln!("{}", explain::to_json(language.as_deref(), given, &explanation))?;
    } else {
        out!("{}", explain::to_lines(language.as_deref(), given, &explanation))?;
    }
    Ok(if explanation.matches.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// A command's exit code, or [`unwritten`]'s when its output could not be
/// written.
fn written(outcome: Result<ExitCode, stdout::Error>) -> ExitCode {
    outcome.unwrap_or_else(|e| unwritten(&e))
}

/// Output that could not be written ends the command: silently with 141
/// when the reader went away (as SIGPIPE would end it), with a message and
/// exit 1 when the write failed.
fn unwritten(e: &stdout::Error) -> ExitCode {
    if !e.is_closed() {
        eprintln!("thbwatch: {e}");
    }
    ExitCode::from(e.exit_code())
}

fn parse_field(text: &str) -> Result<Field, String> {
    Field::parse(text).ok_or_else(|| format!("{text:?} is not a field (use title, summary, content or categories)"))
}

fn time(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Logs go to stderr; colour only on a terminal (journald gets plain
/// lines). `RUST_LOG` overrides the default level.
/// Logs go to stderr: plain lines, colour only on a terminal, no
/// timestamps under journald (`JOURNAL_STREAM`: it adds its own); or JSON.
/// `RUST_LOG` overrides the filter.
fn init_logging(default: &str, format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text if std::env::var_os("JOURNAL_STREAM").is_some() => {
            builder.with_ansi(false).without_time().init()
        }
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}
