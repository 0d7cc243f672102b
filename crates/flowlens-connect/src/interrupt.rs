//! Ctrl-C during a run. The browser's throwaway profile holds the cookies of the sign-in, so
//! it must not be left on disk: while the browser part runs, a first Ctrl-C ends the run as a
//! closed browser would (the browser stopped, its profile removed, the report of what was
//! seen); outside it, or at a second Ctrl-C, the process ends at once as it would without a
//! handler.

use std::sync::atomic::{AtomicBool, Ordering};

/// The browser part is running: a Ctrl-C is answered by [`interrupted`].
static BROWSER_RUNNING: AtomicBool = AtomicBool::new(false);
/// Ctrl-C was pressed while the browser part was running.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The exit status of a process ended by Ctrl-C (128 + SIGINT), as shells report it.
pub const EXIT_INTERRUPTED: u8 = 130;

/// Installs the Ctrl-C handler (once per process; the CLI calls it before [`crate::connect`]).
pub fn handle_ctrl_c() -> Result<(), String> {
    ctrlc::set_handler(|| {
        if !BROWSER_RUNNING.load(Ordering::SeqCst) || INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
    })
    .map_err(|e| format!("cannot handle Ctrl-C: {e}"))
}

/// Ctrl-C was pressed during the browser part: the driver stops.
pub(crate) fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Marks the browser part as running until dropped.
pub(crate) struct BrowserRunning;

impl BrowserRunning {
    pub(crate) fn start() -> Self {
        BROWSER_RUNNING.store(true, Ordering::SeqCst);
        BrowserRunning
    }
}

impl Drop for BrowserRunning {
    fn drop(&mut self) {
        BROWSER_RUNNING.store(false, Ordering::SeqCst);
    }
}
