//! Giving freed heap back to the operating system.

/// Blocks of this size and more are mapped on their own and unmapped when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 128 * 1024;

/// Makes glibc serve large blocks (a 1 MiB request body, its parsed copy) from their own
/// mappings, returned to the system as soon as they are freed, for the life of the process.
///
/// glibc starts so, but its threshold is dynamic: the first large block freed raises it (up to
/// 32 MiB), after which such blocks come from the per-thread arenas, and each worker thread
/// keeps a few megabytes of them for good. Measured: 150 requests with a 1 MB name grew the
/// resident memory by 8.8 MB with the dynamic threshold. Setting it once turns the adjustment
/// off (mallopt(3)). Idempotent; a no-op where the allocator is not glibc's.
pub(crate) fn keep_large_blocks_unpooled() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        // SAFETY: `mallopt` takes two integers and only changes glibc's own allocator settings,
        // under its locks; it is safe to call from any thread at any time.
        ONCE.call_once(|| unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        });
    }
}

/// Returns the heap freed so far to the operating system, where the allocator would keep it.
///
/// glibc keeps freed memory in its per-thread arenas, and a reset or a reload builds the new
/// state on whichever thread serves it: with 100 000 customers, each reset left about 66 MB
/// of the old state in an arena, and the resident memory grew reset after reset (127 MB, then
/// 193, 259, 325 MB). Called once the fixtures are loaded and after each reset or reload,
/// never under the state lock.
///
/// The binary allocates through mimalloc (src/main.rs), whose pages freed on this thread are
/// returned by `mi_collect`; an embedder of the library may keep glibc's allocator, whose arenas
/// `malloc_trim` returns. Both are asked: the one not in use has next to nothing to do.
pub(crate) fn release_freed_heap() {
    // SAFETY: `mi_collect` takes no pointers and only works on mimalloc's own heap of the
    // calling thread; it is safe to call from any thread at any time.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes no pointers and only works on glibc's own allocator state,
    // under the allocator's locks; it is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
