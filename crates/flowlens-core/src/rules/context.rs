//! What a rule sees: one flow of a trace, the profile, and questions many rules ask.

use crate::flow::{roles::snapshot_for, Flow, FlowEnd, Role};
use crate::params::{host_of, UrlParams};
use crate::profile::Profile;
use crate::trace::{Exchange, PageSnapshot, Trace};
use crate::vendor;

/// JSON bodies larger than this are not parsed (a 10 MB "metadata" document is not metadata).
const MAX_JSON_BODY: usize = 1024 * 1024;

pub struct Context<'a> {
    pub trace: &'a Trace,
    pub flow: &'a Flow,
    pub profile: &'a Profile,
}

impl<'a> Context<'a> {
    pub fn new(trace: &'a Trace, flow: &'a Flow, profile: &'a Profile) -> Self {
        Self {
            trace,
            flow,
            profile,
        }
    }

    pub fn exchange(&self, i: usize) -> &'a Exchange {
        &self.trace.exchanges[i]
    }

    /// The flow's hops with this role, as (exchange index, exchange).
    pub fn hops(&self, role: Role) -> impl Iterator<Item = (usize, &'a Exchange)> + '_ {
        self.flow
            .hops_with(role)
            .map(move |i| (i, &self.trace.exchanges[i]))
    }

    pub fn first(&self, role: Role) -> Option<(usize, &'a Exchange)> {
        self.hops(role).next()
    }

    /// Every hop of the flow with its role, in trace order.
    pub fn all_hops(&self) -> impl Iterator<Item = (usize, Role, &'a Exchange)> + '_ {
        self.flow
            .hops
            .iter()
            .map(move |h| (h.exchange, h.role, &self.trace.exchanges[h.exchange]))
    }

    /// The authorization request.
    pub fn authorize(&self) -> Option<(usize, &'a Exchange)> {
        self.flow.authorize.map(|i| (i, self.exchange(i)))
    }

    /// The query parameters of the authorization request.
    pub fn authorize_params(&self) -> Option<UrlParams> {
        self.authorize().map(|(_, ex)| UrlParams::of(&ex.url))
    }

    pub fn end(&self) -> Option<&'a FlowEnd> {
        self.flow.end.as_ref()
    }

    /// Parameters of the authorization response (query and fragment).
    pub fn end_params(&self) -> Option<UrlParams> {
        self.end().map(|e| UrlParams::of(&e.url))
    }

    /// The flow went through the customer's own login endpoint (bring your own auth).
    pub fn is_byoa(&self) -> bool {
        self.flow.first_with(Role::ByoaLogin).is_some()
            || self.flow.first_with(Role::ByoaCallback).is_some()
    }

    /// The response body of an exchange as JSON, when it is JSON of a sane size.
    pub fn json_body(&self, i: usize) -> Option<serde_json::Value> {
        let text = self.exchange(i).response_body_text()?;
        if text.len() > MAX_JSON_BODY {
            return None;
        }
        serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .filter(|v| v.is_object())
    }

    /// The first authorization-server metadata document of the flow that parsed. Only 2xx
    /// answers count: a client that tries the well-known URLs in order meets 404s with JSON
    /// error bodies first.
    pub fn as_metadata(&self) -> Option<(usize, serde_json::Value)> {
        self.hops(Role::AuthorizationServerMetadata)
            .filter(|(_, ex)| matches!(ex.status(), Some(200..=299)))
            .find_map(|(i, _)| self.json_body(i).map(|v| (i, v)))
    }

    /// The first protected-resource metadata document of the flow that parsed (2xx only).
    pub fn resource_metadata(&self) -> Option<(usize, serde_json::Value)> {
        self.hops(Role::ProtectedResourceMetadata)
            .filter(|(_, ex)| matches!(ex.status(), Some(200..=299)))
            .find_map(|(i, _)| self.json_body(i).map(|v| (i, v)))
    }

    /// The `issuer` of the authorization-server metadata.
    pub fn issuer(&self) -> Option<String> {
        self.as_metadata()
            .and_then(|(_, m)| m.get("issuer")?.as_str().map(str::to_string))
    }

    /// The latest page snapshot of a hop's page.
    pub fn snapshot(&self, i: usize) -> Option<&'a PageSnapshot> {
        snapshot_for(self.trace, self.exchange(i))
    }

    /// The host the flow's authorization server is on: the authorization request's host, or,
    /// in a discovery-only flow (a probe, a capture that stopped before sign-in), the host of
    /// the `authorization_endpoint` the metadata sends users to.
    pub fn auth_host(&self) -> Option<String> {
        self.authorize()
            .and_then(|(_, ex)| host_of(&ex.url))
            .or_else(|| self.metadata_authorization_host())
    }

    fn metadata_authorization_host(&self) -> Option<String> {
        let (_, metadata) = self.as_metadata()?;
        host_of(metadata.get("authorization_endpoint")?.as_str()?)
    }

    /// The custom domain(s) to judge against: the profile's, or, without one, the host of
    /// [`Self::auth_host`] when it is not a vendor default host. The second element says
    /// what was assumed, when anything was.
    pub fn custom_domains(&self) -> (Vec<String>, Option<String>) {
        if self.profile.has_custom_domains() {
            return (self.profile.custom_domains.clone(), None);
        }
        let from = if self.authorize().is_some() {
            "the host of the authorization request"
        } else {
            "the host of the authorization_endpoint in the authorization-server metadata"
        };
        match self.auth_host() {
            Some(host) if !vendor::is_vendor_default(&host) => (
                vec![host.clone()],
                Some(format!(
                    "no profile: assumed the custom domain is {host}, {from}"
                )),
            ),
            _ => (Vec::new(), None),
        }
    }
}
