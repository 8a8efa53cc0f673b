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

/// mimalloc's `mi_option_purge_delay`: its place in `mi_option_t`, the same in mimalloc's v2 and
/// v3 headers (libmimalloc-sys has no constant for it). A test checks it reads v3's default
/// (1000 ms; libmimalloc-sys builds v3 unless its `v2` feature is on).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// While alive, mimalloc gives freed pages back to the system at once instead of a second later.
///
/// The fixture loader parses customers on one thread and builds them on another, so the parsed
/// records are freed by a thread other than the one that allocated them, and with the delay
/// the pages they free stay resident while the next ones are parsed: with 1 000 000 customers
/// the peak resident memory of `serve` was 405.8 MB with the delay and 395.9 MB without, the
/// start-up the same (1 726 and 1 720 ms, medians of three, one run). The delay comes back when
/// the load ends, so requests keep mimalloc's default. Two loads at once (a `--watch` reload
/// while another load runs) restore in turn; at worst the delay is back early.
pub(crate) struct PromptPurge(std::os::raw::c_long);

impl PromptPurge {
    pub(crate) fn start() -> PromptPurge {
        // SAFETY: reading and setting one of mimalloc's integer options takes no pointers and
        // is safe from any thread at any time.
        unsafe {
            let before = libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY);
            libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
            PromptPurge(before)
        }
    }
}

impl Drop for PromptPurge {
    fn drop(&mut self) {
        // SAFETY: as in `start`.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, self.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_is_prompt_while_loading_and_restored_after() {
        let get = || unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // mimalloc v3's default for `mi_option_purge_delay` (src/options.c): the index is
            // that option.
            assert_eq!(get(), 1000);
        }
        let before = get();
        {
            let _prompt = PromptPurge::start();
            assert_eq!(get(), 0);
        }
        assert_eq!(get(), before);
    }
}
