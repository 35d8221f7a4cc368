//! CPU time and peak resident memory of this process, read from Linux's `/proc/self`.

use std::time::Duration;

/// Clock ticks per second of `/proc/self/stat` (`USER_HZ`), which Linux fixes at 100 on every
/// architecture it exports to user space.
const TICKS_PER_SECOND: u64 = 100;

/// Returns the user plus system CPU time of every thread of the process so far, in 10 ms
/// steps.
pub(crate) fn cpu_time() -> Duration {
    cpu_time_in("/proc/self/stat")
}

/// Returns the user plus system CPU time of the live threads named `name` (their `comm`), in
/// 10 ms steps.
pub(crate) fn thread_cpu_time(name: &str) -> Duration {
    let Ok(threads) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    threads
        .flatten()
        .filter(|thread| {
            std::fs::read_to_string(thread.path().join("comm"))
                .is_ok_and(|comm| comm.trim_end() == name)
        })
        .map(|thread| cpu_time_in(thread.path().join("stat")))
        .sum()
}

fn cpu_time_in(path: impl AsRef<std::path::Path>) -> Duration {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // The command name in field 2 may hold spaces, so count fields after its closing bracket:
    // field 3 (state) comes first, so utime (field 14) and stime (15) are at 11 and 12.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|field| field.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((ticks(11) + ticks(12)) * 1000 / TICKS_PER_SECOND)
}

/// Returns the peak resident set size of the process (`VmHWM`), in bytes.
pub(crate) fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib * 1024)
}

/// Returns the 1-minute load average of the machine, from `/proc/loadavg`.
pub(crate) fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}
