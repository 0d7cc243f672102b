//! One parameter of the authorization request, as the rules that judge it see it: every
//! value it was sent with, and evidence pointing at the request.
//!
//! Shared by `oauth-redirect-uri`, `oauth-resource-indicator` and `oauth-state`.

use crate::check::{Evidence, Outcome};
use crate::params::{RawParam, UrlParams};
use crate::rules::Context;

pub(crate) struct AuthorizeParam<'a> {
    hop: usize,
    url: &'a str,
    name: &'static str,
    /// Every occurrence in the query, in order: more than one is a finding of its own.
    pub sent: Vec<RawParam>,
}

impl<'a> AuthorizeParam<'a> {
    /// The parameter `name` of the flow's authorization request, or the `not-observed`
    /// outcome when the flow has no authorization request.
    pub(crate) fn of(cx: &Context<'a>, name: &'static str) -> Result<Self, Outcome> {
        let Some((hop, ex)) = cx.authorize() else {
            return Err(Outcome::not_observed(
                "the authorization request was not observed",
            ));
        };
        let sent = UrlParams::of(&ex.url).query.all(name).cloned().collect();
        Ok(Self {
            hop,
            url: &ex.url,
            name,
            sent,
        })
    }

    /// The decoded values, in order.
    pub(crate) fn values(&self) -> Vec<&str> {
        self.sent.iter().map(|p| p.value.as_str()).collect()
    }

    /// Evidence at the authorization request.
    pub(crate) fn at_request(&self, note: &str) -> Evidence {
        Evidence::hop(self.hop, self.url, note)
    }

    /// Evidence at the authorization request, with a value of the parameter.
    pub(crate) fn evidence(&self, note: &str, value: Option<&str>) -> Evidence {
        self.at_request(note).field(self.name, value)
    }
}
