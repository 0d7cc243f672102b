//! The discovery documents the extension fetches itself.
//!
//! A browser extension sees the requests of a flow but not their response bodies, so the
//! protected-resource and authorization-server metadata a browser-based client read would
//! stay unread. The extension asks [`bodies_to_fetch`] which ones, GETs them again without
//! cookies or credentials (only URLs the flow itself requested, so only hosts it already
//! talked to), and [`attach_fetched`] puts the bodies into the trace, which is then what a HAR
//! of the same flow shows.

use serde::{Deserialize, Serialize};

use crate::flow::Role;
use crate::trace::{Body, Trace};

/// Discovery documents fetched per recording, at most.
pub const MAX_FETCHED_DOCUMENTS: usize = 8;
/// Longest body kept from such a fetch (as the HAR importer keeps JSON).
pub const MAX_FETCHED_BODY: usize = crate::limits::MAX_JSON_BODY;

/// A discovery document the extension fetched, as it hands it back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FetchedDocument {
    pub url: String,
    /// The HTTP status; 0 when the fetch failed (see `error`).
    pub status: u16,
    pub content_type: Option<String>,
    pub text: Option<String>,
    /// The body was cut at [`MAX_FETCHED_BODY`].
    pub truncated: bool,
    /// When it was fetched (ms since epoch).
    pub time_ms: f64,
    /// Why the fetch failed (network error, time-out, a redirect it did not follow).
    pub error: Option<String>,
}

/// The metadata URLs of the trace whose answers were 2xx but whose bodies the trace lacks:
/// the documents a browser-based client read that the extension could not see. Each is a
/// URL the flow requested (so a host it already talked to), http(s) only, at most
/// [`MAX_FETCHED_DOCUMENTS`].
pub fn bodies_to_fetch(trace: &Trace) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    for ex in &trace.exchanges {
        let metadata = matches!(
            crate::flow::roles::discovery_role(ex),
            Some(Role::ProtectedResourceMetadata | Role::AuthorizationServerMetadata)
        );
        let unread = ex
            .response
            .as_ref()
            .is_some_and(|r| (200..300).contains(&r.status) && r.body.is_none());
        let web = matches!(
            crate::params::scheme_of(&ex.url).as_deref(),
            Some("https" | "http")
        );
        if metadata
            && unread
            && web
            && ex.method.eq_ignore_ascii_case("GET")
            && !urls.contains(&ex.url)
        {
            urls.push(ex.url.clone());
            if urls.len() == MAX_FETCHED_DOCUMENTS {
                break;
            }
        }
    }
    urls
}

/// Puts the fetched bodies into the exchanges of the same URL that lack one, when the fetch
/// answered 2xx as the flow's request did; says in the capture notes what was fetched and
/// what could not be.
pub fn attach_fetched(trace: &mut Trace, documents: &[FetchedDocument]) {
    let wanted = bodies_to_fetch(trace);
    let mut attached = 0usize;
    for doc in documents.iter().filter(|d| wanted.contains(&d.url)) {
        let Some(text) = doc
            .text
            .as_ref()
            .filter(|_| (200..300).contains(&doc.status))
        else {
            let why = match (&doc.error, doc.status) {
                (Some(e), _) => crate::stdx::cut::prefix_at_char_boundary(e, 200).to_string(),
                (None, status) => format!("it now answers HTTP {status}"),
            };
            trace.capture.notes.push(format!(
                "Flowlens could not fetch the discovery document {} again: {why}.",
                crate::redact::mask_url(&doc.url)
            ));
            continue;
        };
        let cut = crate::stdx::cut::prefix_at_char_boundary(text, MAX_FETCHED_BODY);
        for ex in trace.exchanges.iter_mut().filter(|e| e.url == doc.url) {
            if let Some(response) = ex
                .response
                .as_mut()
                .filter(|r| (200..300).contains(&r.status) && r.body.is_none())
            {
                response.body = Some(Body {
                    mime_type: doc.content_type.clone().unwrap_or_default(),
                    text: cut.to_string(),
                    truncated: doc.truncated || cut.len() < text.len(),
                });
            }
        }
        trace.capture.fetched_metadata.push(doc.url.clone());
        attached += 1;
    }
    if attached > 0 {
        trace.capture.notes.push(format!(
            "Flowlens fetched {attached} discovery document(s) the flow's client had read \
             (a GET without cookies or credentials, to the same URLs): a browser extension \
             cannot see response bodies, so their content is as the server serves it now."
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetches_the_unread_metadata_of_the_flow_and_attaches_it() {
        use crate::testing::{good_flow, AS_METADATA_HOP, PRM_HOP};
        let mut trace = good_flow()
            .edit(|t| {
                for i in [PRM_HOP, AS_METADATA_HOP] {
                    t.exchanges[i].response.as_mut().expect("a response").body = None;
                }
            })
            .build();
        let urls = bodies_to_fetch(&trace);
        assert_eq!(
            urls,
            [
                trace.exchanges[PRM_HOP].url.clone(),
                trace.exchanges[AS_METADATA_HOP].url.clone()
            ]
        );
        let with_bodies = good_flow().build();
        let docs: Vec<FetchedDocument> = [PRM_HOP, AS_METADATA_HOP]
            .iter()
            .map(|&i| FetchedDocument {
                url: with_bodies.exchanges[i].url.clone(),
                status: 200,
                content_type: Some("application/json".into()),
                text: with_bodies.exchanges[i]
                    .response_body_text()
                    .map(str::to_string),
                ..FetchedDocument::default()
            })
            .chain(std::iter::once(FetchedDocument {
                url: "https://elsewhere.test/.well-known/oauth-protected-resource".into(),
                status: 200,
                text: Some("{}".into()),
                ..FetchedDocument::default()
            }))
            .collect();
        attach_fetched(&mut trace, &docs);
        // Same statuses as the trace with the bodies the client read (what a HAR shows).
        let profile = crate::Profile::default();
        let statuses = |t: &Trace| {
            crate::analyze(t, &profile)
                .checks
                .into_iter()
                .map(|c| (c.id, c.status))
                .collect::<Vec<_>>()
        };
        assert_eq!(statuses(&trace), statuses(&with_bodies));
        assert_eq!(trace.capture.fetched_metadata.len(), 2);
        assert!(bodies_to_fetch(&trace).is_empty());
        assert!(trace.capture.notes.iter().any(|n| n.contains("fetched 2")));
    }

    #[test]
    fn a_failed_fetch_is_said_and_attaches_nothing() {
        use crate::testing::{good_flow, PRM_HOP};
        let mut trace = good_flow()
            .edit(|t| {
                t.exchanges[PRM_HOP]
                    .response
                    .as_mut()
                    .expect("a response")
                    .body = None
            })
            .build();
        let url = trace.exchanges[PRM_HOP].url.clone();
        attach_fetched(
            &mut trace,
            &[FetchedDocument {
                url,
                error: Some("TypeError: Failed to fetch".into()),
                ..FetchedDocument::default()
            }],
        );
        assert!(trace.exchanges[PRM_HOP].response_body_text().is_none());
        assert!(trace
            .capture
            .notes
            .iter()
            .any(|n| n.contains("could not fetch")));
    }
}
