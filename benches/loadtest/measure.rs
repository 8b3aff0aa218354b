//! What a process uses, from `/proc`: CPU time, bytes written, memory;
//! and the machine the figures come from.

/// The cores this machine has.
pub(crate) fn cores() -> f64 {
    std::thread::available_parallelism().map_or(2, |n| n.get()) as f64
}

/// User and system CPU time a process has used, in seconds.
pub(crate) fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces), from field 3.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks: f64 = fields
        .get(11..13)
        .map_or(0.0, |t| t.iter().filter_map(|v| v.parse::<f64>().ok()).sum());
    ticks / 100.0
}

/// Bytes a process has handed to `write` and its kin (the database's
/// log and checkpoints, its own log lines).
pub(crate) fn written_bytes(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/io"))
        .ok()
        .and_then(|io| io.lines().find_map(|l| l.strip_prefix("wchar:"))?.trim().parse().ok())
        .unwrap_or(0.0)
}

/// (resident now, peak resident) of a process, in MiB.
pub(crate) fn rss(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib = |key: &str| -> f64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
}

/// The machine the figures come from.
pub(crate) fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    format!("machine: {model}, {cores} cores, {memory:.0} GiB")
}

/// Where a process's resident memory is, from `/proc/PID/smaps`, in MiB.
#[derive(Default)]
pub(crate) struct Resident {
    /// The executable's own pages (code, read-only data).
    pub binary: f64,
    /// The main heap (`[heap]`: the main thread's arena, grown by `brk`).
    pub heap: f64,
    /// glibc's other arenas: anonymous mappings aligned to their 64 MiB
    /// reservations.
    pub arenas: f64,
    /// Other anonymous memory: thread stacks, blocks large enough to be
    /// mapped alone.
    pub anonymous: f64,
    /// Shared libraries, the main stack, the database's shared memory.
    pub other: f64,
    pub threads: usize,
}

/// glibc reserves each arena after the first as a heap of this size,
/// aligned to it (`HEAP_MAX_SIZE` on 64-bit).
const ARENA_HEAP: u64 = 64 << 20;

/// What `pid` holds resident, by kind.
pub(crate) fn resident(pid: u32) -> Resident {
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
    let binary = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
    let mut resident = Resident {
        threads: std::fs::read_dir(format!("/proc/{pid}/task")).map_or(0, |tasks| tasks.count()),
        ..Resident::default()
    };
    let mut kind: Option<fn(&mut Resident) -> &mut f64> = None;
    for line in smaps.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if let Some(kib) = line.strip_prefix("Rss:") {
            let kib: f64 = kib.trim().trim_end_matches("kB").trim().parse().unwrap_or(0.0);
            if let Some(kind) = kind {
                *kind(&mut resident) += kib / 1024.0;
            }
            continue;
        }
        // A mapping's first line: range, permissions, offset, device,
        // inode, then the path if it has one.
        let Some((start, _)) = fields.first().and_then(|range| range.split_once('-')) else {
            continue;
        };
        let Ok(start) = u64::from_str_radix(start, 16) else {
            continue;
        };
        if fields.len() < 5 {
            continue;
        }
        let path = fields.get(5).copied().unwrap_or("");
        kind = Some(match path {
            "" if start % ARENA_HEAP == 0 => |r| &mut r.arenas,
            "" => |r| &mut r.anonymous,
            "[heap]" => |r| &mut r.heap,
            _ if std::path::Path::new(path) == binary => |r| &mut r.binary,
            _ => |r| &mut r.other,
        });
    }
    resident
}

impl std::fmt::Display for Resident {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "binary {:.1}, main heap {:.1}, other arenas {:.1}, other anonymous (stacks, large blocks) {:.1}, \
             the rest {:.1} MiB; {} threads",
            self.binary, self.heap, self.arenas, self.anonymous, self.other, self.threads
        )
    }
}
