//! Giving freed heap back to the operating system.

/// Returns the heap freed so far to the operating system, where the allocator would keep it.
///
/// glibc keeps freed memory in its per-thread arenas, and a reset or a reload builds the new
/// state on whichever thread serves it: with 100 000 customers, each reset left about 66 MB
/// of the old state in an arena, and the resident memory grew reset after reset (127 MB, then
/// 193, 259, 325 MB). Called once the fixtures are loaded and after each reset or reload,
/// never under the state lock. A no-op where the allocator is not glibc's.
pub(crate) fn release_freed_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes no pointers and only works on glibc's own allocator state,
    // under the allocator's locks; it is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
