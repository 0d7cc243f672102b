//! Subresource triage: a page's images, scripts and fonts are kept up to a cap per trace and
//! only by the events that tell what was loaded and how it answered; page loads, redirects
//! and API calls are always kept.

use std::collections::HashSet;

use super::event::{Event, WebRequest};
use super::state::TabState;
use crate::limits::MAX_SUBRESOURCES_PER_TRACE;
use crate::trace::ResourceType;

/// Whether a request event is kept in the trace `state` counts for. `skipped` remembers the
/// requests already left out, so their later events are left out too.
pub fn keep_request_event(
    event: &Event,
    request: &WebRequest,
    state: &mut TabState,
    skipped: &mut HashSet<String>,
) -> bool {
    if !is_subresource(request) {
        return true;
    }
    if request.frame_id != 0 {
        // Resources of embedded frames: not part of any page the flow shows.
        return false;
    }
    match event {
        Event::BeforeRequest(_) => {
            if state.subresources >= MAX_SUBRESOURCES_PER_TRACE {
                state.skipped_subresources += 1;
                skipped.insert(request.request_id.clone());
                false
            } else {
                state.subresources += 1;
                true
            }
        }
        Event::SendHeaders(_) | Event::Completed(_) => false,
        _ => !skipped.contains(&request.request_id),
    }
}

/// What a page loads to show itself, as opposed to the flow's pages and API calls.
pub fn is_subresource(request: &WebRequest) -> bool {
    matches!(
        request.resource_type,
        ResourceType::Image
            | ResourceType::Stylesheet
            | ResourceType::Script
            | ResourceType::Font
            | ResourceType::Media
            | ResourceType::Object
            | ResourceType::Ping
    )
}

/// The event is a subresource request's.
pub fn is_subresource_event(event: &Event) -> bool {
    event.web_request().is_some_and(is_subresource)
}
