//! What proving a circuit will take, from its constraint count alone, so
//! that `info` can say it and `prove` can refuse a circuit the machine
//! cannot hold before spending minutes on it.
//!
//! The figures are fitted to whole `section9 prove` runs of the release
//! binary with a fresh key cache (the setup is the peak) on seeded MLPs
//! (BENCHMARKS.md, "Models in pieces"): 128,391 constraints peaked at 183
//! MiB, 786,323 (a piece of the 1M-weight MLP) at 1,229 MiB and 1,256,789
//! at 1,564 MiB; key files take 385-430 bytes per constraint. The line
//! below is within about 15% of each (the domain's power of two makes the
//! true curve a staircase).

/// Peak resident bytes per constraint of a first proof (setup included).
const PEAK_PER_CONSTRAINT: f64 = 1500.0;
/// What any run holds besides: the program, the model, thread stacks.
const PEAK_BASE: f64 = 30.0 * 1024.0 * 1024.0;
/// Bytes of the key cache file per constraint.
const KEY_PER_CONSTRAINT: f64 = 430.0;

/// Estimated resources of proving a circuit.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Estimate {
    pub constraints: usize,
    /// Peak resident memory of a first proof (setup and proof), bytes.
    pub peak_bytes: u64,
    /// Size of the proving key as cached, bytes.
    pub key_bytes: u64,
}

/// The estimate for a circuit of `constraints` constraints.
pub fn estimate(constraints: usize) -> Estimate {
    let n = constraints as f64;
    Estimate {
        constraints,
        peak_bytes: (PEAK_BASE + PEAK_PER_CONSTRAINT * n) as u64,
        key_bytes: (KEY_PER_CONSTRAINT * n) as u64,
    }
}

/// The most constraints whose estimated peak fits in `bytes`: [`estimate`]
/// turned around, so that a builder can be limited to what fits.
pub fn fitting(bytes: u64) -> usize {
    ((bytes as f64 - PEAK_BASE).max(0.0) / PEAK_PER_CONSTRAINT) as usize
}

/// The memory this process may use, in bytes: `$SECTION9_MEMORY` when
/// set (bytes), else the smaller of the machine's (`MemTotal` of
/// /proc/meminfo) and the control group's limit (`memory.max`, what a
/// container is allowed), when the system says.
pub fn machine_memory() -> Option<u64> {
    if let Some(v) = std::env::var_os("SECTION9_MEMORY") {
        return v.to_str()?.trim().parse().ok();
    }
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let total = line.split_whitespace().nth(1)?.parse::<u64>().ok()?.checked_mul(1024)?;
    let group = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok());
    Some(group.map_or(total, |g| g.min(total)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_grow_with_the_circuit() {
        let small = estimate(1000);
        let large = estimate(1_000_000);
        assert!(large.peak_bytes > 10 * small.peak_bytes);
        assert!(large.key_bytes > small.key_bytes);
        assert!(small.peak_bytes >= PEAK_BASE as u64);
    }

    #[test]
    fn what_fits_is_the_estimate_turned_around() {
        for n in [0, 1, 1000, 123_457, 4_000_000] {
            let fits = fitting(estimate(n).peak_bytes);
            assert!(fits.abs_diff(n) <= 1, "{n} -> {fits}");
            assert!(estimate(fitting(estimate(n).peak_bytes)).peak_bytes <= estimate(n).peak_bytes);
        }
        assert_eq!(fitting(0), 0);
    }

    #[test]
    fn the_machine_has_memory() {
        if std::path::Path::new("/proc/meminfo").exists() {
            assert!(machine_memory().unwrap() > 1 << 20);
        }
    }
}
