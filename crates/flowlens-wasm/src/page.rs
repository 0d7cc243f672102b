//! `pageWantsScreenshot(snapshot)`, the pages module's one export. The service worker asks it
//! of each page snapshot a recording tab's content script sends, and stores the snapshot as
//! sent: the worker's own module, compiled at every start of the worker, then carries no page
//! decoder, and this one is loaded only when a recording tab shows a page.

use flowlens_core::recorder::wants_consent_screenshot;
use flowlens_core::trace::PageSnapshot;
use wasm_bindgen::prelude::*;

/// Whether the page (a snapshot as JSON) asks for the consent screenshot; `undefined` when the
/// text does not read as a snapshot, and so would not read back from a stored recording either
/// (a stored chunk that does not read loses every event in it): the worker leaves it out.
#[wasm_bindgen(js_name = pageWantsScreenshot)]
pub fn page_wants_screenshot(snapshot: &str) -> Option<bool> {
    let page: PageSnapshot = serde_json::from_str(snapshot).ok()?;
    Some(wants_consent_screenshot(&page))
}
