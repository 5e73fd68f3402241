//! The reader child's memory limits, set by the child on itself before it reads a byte.
//!
//! Two layers, so that no platform is left with the time limit alone:
//! - **The heap cap, everywhere**: the binaries that can become the reader child count
//!   their allocations through [`ReaderHeap`] (their `#[global_allocator]`); the child caps
//!   it at [`CHILD_EXTRA_MEMORY`] above what it holds at start. The parser is pure Rust
//!   (lopdf, miniz_oxide), so every byte it takes goes through this allocator; a refused
//!   allocation aborts the child, which the parent reads as "memória esgotada". On macOS
//!   this is the limit that holds: the system accepts `RLIMIT_AS` and does not enforce it.
//! - **The system's own limit** beside it, which also counts what is not heap:
//!   Linux, the address space (`RLIMIT_AS`); Windows, a job object with a commit limit
//!   (`JOB_OBJECT_LIMIT_PROCESS_MEMORY`; a process may put itself in a job since Windows 8).

/// Memory the child may take beyond what it holds when it starts.
pub(crate) const CHILD_EXTRA_MEMORY: u64 = 512 * 1024 * 1024;

/// The allocator of a binary that can become the reader child: the system's, counted, with
/// no limit until [`apply`] sets one in the child. Declare it as
/// `#[global_allocator] static HEAP: brm_invoice::ReaderHeap = brm_invoice::reader_heap();`
/// and hand it to [`crate::run_child`].
pub type ReaderHeap = cap::Cap<std::alloc::System>;

/// A [`ReaderHeap`] with no limit (the limit is set only in the child).
pub const fn reader_heap() -> ReaderHeap {
    cap::Cap::new(std::alloc::System, usize::MAX)
}

/// Tests only: `1` leaves out the system's limit, so that Linux shows what macOS has
/// (the heap cap alone).
const HEAP_ONLY_ENV: &str = "BRM_READER_HEAP_LIMIT_ONLY";

/// Sets both layers on the current process (the child).
pub(crate) fn apply(heap: &ReaderHeap) {
    let extra = usize::try_from(CHILD_EXTRA_MEMORY).unwrap_or(usize::MAX);
    // Cannot fail: the new limit is above what is allocated.
    let _ = heap.set_limit(heap.allocated().saturating_add(extra));
    if std::env::var(HEAP_ONLY_ENV).as_deref() != Ok("1") {
        limit_by_the_system();
    }
}

/// Linux: no more than [`CHILD_EXTRA_MEMORY`] of address space beyond what the process
/// maps at this point (the binary and its libraries).
#[cfg(target_os = "linux")]
fn limit_by_the_system() {
    let mapped = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .unwrap_or(0);
    // SAFETY: sysconf and setrlimit only read their arguments.
    unsafe {
        let page = libc::sysconf(libc::_SC_PAGESIZE).max(4096) as u64;
        let limit = mapped * page + CHILD_EXTRA_MEMORY;
        let rl = libc::rlimit {
            rlim_cur: limit as libc::rlim_t,
            rlim_max: limit as libc::rlim_t,
        };
        libc::setrlimit(libc::RLIMIT_AS, &rl);
    }
}

/// Windows: the process puts itself in a new job object whose per-process commit limit is
/// [`CHILD_EXTRA_MEMORY`] above what it has committed now. Past it, every allocation of
/// the process fails (and the heap cap has usually stopped it before). The job's handle is
/// kept open for the life of the process; nothing else is limited (no kill on close, no
/// UI restrictions), and a parent already in a job is fine (nested jobs).
#[cfg(windows)]
fn limit_by_the_system() {
    use windows_sys::Win32::System::JobObjects::{
        AssignProcessToJobObject, CreateJobObjectW, JobObjectExtendedLimitInformation,
        SetInformationJobObject, JOBOBJECT_EXTENDED_LIMIT_INFORMATION,
        JOB_OBJECT_LIMIT_PROCESS_MEMORY,
    };
    use windows_sys::Win32::System::ProcessStatus::{
        K32GetProcessMemoryInfo, PROCESS_MEMORY_COUNTERS,
    };
    use windows_sys::Win32::System::Threading::GetCurrentProcess;
    let extra = usize::try_from(CHILD_EXTRA_MEMORY).unwrap_or(usize::MAX);
    // SAFETY: every pointer given points to a live, correctly sized local; the handles are
    // the current process's pseudo-handle and the job just created.
    unsafe {
        let me = GetCurrentProcess();
        let mut counters: PROCESS_MEMORY_COUNTERS = std::mem::zeroed();
        counters.cb = std::mem::size_of::<PROCESS_MEMORY_COUNTERS>() as u32;
        let committed = if K32GetProcessMemoryInfo(me, &mut counters, counters.cb) != 0 {
            counters.PagefileUsage
        } else {
            0
        };
        let job = CreateJobObjectW(std::ptr::null(), std::ptr::null());
        if job.is_null() {
            return;
        }
        let mut info: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = std::mem::zeroed();
        info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_PROCESS_MEMORY;
        info.ProcessMemoryLimit = committed.saturating_add(extra);
        let set = SetInformationJobObject(
            job,
            JobObjectExtendedLimitInformation,
            (&info as *const JOBOBJECT_EXTENDED_LIMIT_INFORMATION).cast(),
            std::mem::size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
        );
        if set != 0 {
            AssignProcessToJobObject(job, me);
        }
        // `job` is not closed: the limit lasts as long as the process.
    }
}

/// macOS and the rest: the heap cap is the limit (see the module's comment).
#[cfg(not(any(target_os = "linux", windows)))]
fn limit_by_the_system() {}
