//! The load test's command line, and the check that the open-files limit
//! allows what it asks for.

#[derive(Clone, Debug)]
pub(crate) struct Options {
    pub sources: usize,
    pub items: usize,
    /// New items per feed in each "few new items" cycle.
    pub new_items: usize,
    pub clients: usize,
    /// Length of each `/feed.atom` measurement.
    pub seconds: f64,
    pub runs: usize,
    /// Repeats of the 304 and the few-new cycles within a run.
    pub cycles: usize,
    pub guard: bool,
    /// Run newsboat on the same feeds, when it is installed.
    pub newsboat: bool,
    /// Only the in-process figures (chain, feed-rs alone, the floor): no
    /// daemon, no serving, no tagging.
    pub in_process: bool,
}

impl Options {
    pub(crate) fn parse() -> Options {
        let mut options = Options {
            sources: 1_000,
            items: 50,
            new_items: 3,
            clients: 50,
            seconds: 3.0,
            runs: 3,
            cycles: 3,
            guard: false,
            newsboat: true,
            in_process: false,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut number = |name: &str| -> f64 {
                let value = args.next().unwrap_or_else(|| usage(&format!("{name} needs a value")));
                value
                    .parse()
                    .unwrap_or_else(|_| usage(&format!("{name}: {value:?} is not a number")))
            };
            match arg.as_str() {
                // cargo bench passes --bench to every benchmark binary.
                "--bench" => {}
                "--sources" => options.sources = number("--sources") as usize,
                "--items" => options.items = number("--items") as usize,
                "--new-items" => options.new_items = number("--new-items") as usize,
                "--clients" => options.clients = number("--clients") as usize,
                "--seconds" => options.seconds = number("--seconds"),
                "--runs" => options.runs = number("--runs") as usize,
                "--cycles" => options.cycles = number("--cycles") as usize,
                "--guard" => {
                    options.guard = true;
                    options.runs = 1;
                    options.cycles = 1;
                    options.seconds = 2.0;
                }
                "--no-newsboat" => options.newsboat = false,
                "--in-process" => options.in_process = true,
                "--help" | "-h" => {
                    println!("{HELP}");
                    std::process::exit(0);
                }
                other => usage(&format!("unknown option {other:?}")),
            }
        }
        if options.sources == 0 || options.sources > 50_000 {
            usage("--sources must be between 1 and 50,000");
        }
        if options.items == 0 || options.runs == 0 || options.cycles == 0 || options.clients == 0 {
            usage("--items, --runs, --cycles and --clients must be at least 1");
        }
        if options.guard && options.in_process {
            usage("--guard judges the whole run: it cannot be combined with --in-process");
        }
        options
    }
}

const HELP: &str = "cargo bench --bench loadtest -- [options]
  --sources N    synthetic feeds, each on its own loopback address (1000)
  --items M      items per feed (50)
  --new-items K  new items per feed in each few-new-items cycle (3)
  --clients C    concurrent keep-alive clients of /feed.atom (50)
  --seconds S    length of each /feed.atom measurement (3)
  --runs R       daemon runs, each from an empty database (3)
  --cycles K     repeats of the 304 and few-new cycles per run (3)
  --no-newsboat  skip newsboat's reload of the same feeds (run when installed)
  --in-process   only the in-process figures (ingest, feed-rs alone, the floor), --runs times:
                 no daemon, serving, memory, start-up or tagging
  --guard        CI guard: one short run; exit 1 if a figure misses its budget by more than 3x";

fn usage(problem: &str) -> ! {
    eprintln!("loadtest: {problem}\n{HELP}");
    std::process::exit(2);
}

/// The feeds' listeners, their connections and the daemon's need about
/// three descriptors per source: say so plainly rather than fail to bind.
pub(crate) fn check_open_files(sources: usize) {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let soft: Option<usize> = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3)?.parse().ok());
    let needed = sources * 3 + 256;
    if let Some(soft) = soft.filter(|soft| *soft < needed) {
        usage(&format!(
            "{sources} sources need about {needed} open files, and the limit is {soft}: \
             raise it (ulimit -n {needed}) or use fewer --sources"
        ));
    }
}
