//! Comparing two runs of a flow (staging and production, before and after a configuration
//! change) hop by hop: hosts, methods, paths, statuses, which parameters are present and
//! whether their values are equal, and which check statuses changed.
//!
//! Hops are aligned by role and order: the n-th `byoa-login` hop of run A is compared with the
//! n-th `byoa-login` hop of run B, whatever else happened around them. Flows are paired in
//! order. Subresources are counted, not aligned. Values that differ on every run by design
//! (`state`, `code`, tokens…) are reported as present or absent, never as a change, and no
//! secret value is shown: this module only reads traces and reports, the CLI renders it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::check::Status;
use crate::flow::Role;
use crate::params::{host_of, url_without_query, UrlParams};
use crate::redact;
use crate::report::Report;
use crate::trace::{Exchange, Trace};

pub const SCHEMA: &str = "flowlens.diff/v1";

/// Parameters whose values are fresh on every run: compared for presence only.
pub const PER_RUN_PARAMS: &[&str] = &[
    "state",
    "nonce",
    "code",
    "code_challenge",
    "code_verifier",
    "login_request_id",
    "access_token",
    "refresh_token",
    "id_token",
    "id",
    "request_id",
    "session_state",
    "RelayState",
    "SAMLResponse",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    /// Always [`SCHEMA`].
    pub schema: String,
    pub flows: Vec<FlowDiff>,
    /// Every check of either run, paired by id and flow.
    pub checks: Vec<CheckDiff>,
    pub summary: Summary,
}

impl Diff {
    /// Whether the runs differ anywhere (hops, parameters or check statuses).
    pub fn differs(&self) -> bool {
        let s = &self.summary;
        s.hops_changed + s.hops_only_a + s.hops_only_b + s.checks_changed > 0
            || s.flows_a != s.flows_b
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub flows_a: usize,
    pub flows_b: usize,
    /// Aligned hops with a difference (host, method, path, status or parameters).
    pub hops_changed: usize,
    pub hops_only_a: usize,
    pub hops_only_b: usize,
    pub checks_changed: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowDiff {
    /// The flow's index in run A and in run B (`None` when that run has fewer flows).
    pub a: Option<usize>,
    pub b: Option<usize>,
    pub hops: Vec<HopDiff>,
    /// Resources loaded by the flow's pages, in each run.
    pub subresources_a: usize,
    pub subresources_b: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HopDiff {
    pub role: Role,
    /// 1 for the first hop of this role in the flow, 2 for the second…
    pub occurrence: usize,
    pub a: Option<HopSide>,
    pub b: Option<HopSide>,
    /// What differs: any of `host`, `method`, `path`, `status`, `params`.
    pub changes: Vec<String>,
    pub params: Vec<ParamDiff>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HopSide {
    /// Index into the run's exchanges.
    pub index: usize,
    pub method: String,
    pub host: Option<String>,
    /// The URL without query and fragment.
    pub path: String,
    pub status: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamDiff {
    pub name: String,
    /// `query`, `fragment` or `form`.
    pub place: String,
    pub presence: Presence,
    /// Whether the values are equal, when both runs carry the parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Values>,
    /// The values as a report shows them (secrets masked), when they differ and may be shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_a: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_b: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Presence {
    Both,
    OnlyA,
    OnlyB,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Values {
    Equal,
    Different,
    /// A per-run value (`state`, `code`…): different values are expected.
    PerRun,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckDiff {
    pub id: String,
    pub flow: Option<usize>,
    pub a: Option<Status>,
    pub b: Option<Status>,
    pub changed: bool,
}

/// Compares run B with run A.
pub fn diff(a: &Trace, report_a: &Report, b: &Trace, report_b: &Report) -> Diff {
    let mut summary = Summary {
        flows_a: report_a.flows.len(),
        flows_b: report_b.flows.len(),
        ..Summary::default()
    };
    let n = report_a.flows.len().max(report_b.flows.len());
    let flows: Vec<FlowDiff> = (0..n)
        .map(|i| {
            let fa = report_a.flows.get(i);
            let fb = report_b.flows.get(i);
            let hops_a: Vec<(Role, usize)> = fa
                .map(|f| f.hops.iter().map(|h| (h.role, h.index)).collect())
                .unwrap_or_default();
            let hops_b: Vec<(Role, usize)> = fb
                .map(|f| f.hops.iter().map(|h| (h.role, h.index)).collect())
                .unwrap_or_default();
            let hops = align(&hops_a, &hops_b)
                .into_iter()
                .map(|(role, occurrence, ia, ib)| {
                    hop_diff(role, occurrence, ia.map(|i| (i, a)), ib.map(|i| (i, b)))
                })
                .collect::<Vec<_>>();
            for h in &hops {
                match (&h.a, &h.b) {
                    (Some(_), None) => summary.hops_only_a += 1,
                    (None, Some(_)) => summary.hops_only_b += 1,
                    _ if !h.changes.is_empty() => summary.hops_changed += 1,
                    _ => {}
                }
            }
            let subresources = |hops: &[(Role, usize)]| {
                hops.iter().filter(|(r, _)| *r == Role::Subresource).count()
            };
            FlowDiff {
                a: fa.map(|f| f.index),
                b: fb.map(|f| f.index),
                hops,
                subresources_a: subresources(&hops_a),
                subresources_b: subresources(&hops_b),
            }
        })
        .collect();
    let checks = check_diffs(report_a, report_b);
    summary.checks_changed = checks.iter().filter(|c| c.changed).count();
    Diff {
        schema: SCHEMA.to_string(),
        flows,
        checks,
        summary,
    }
}

/// Pairs the n-th hop of each role in A with the n-th of the same role in B, keeping A's
/// order and placing B's unmatched hops after their predecessor in B.
#[allow(clippy::type_complexity)]
fn align(
    a: &[(Role, usize)],
    b: &[(Role, usize)],
) -> Vec<(Role, usize, Option<usize>, Option<usize>)> {
    let keyed = |hops: &[(Role, usize)]| -> Vec<((Role, usize), usize)> {
        let mut seen: BTreeMap<&'static str, usize> = BTreeMap::new();
        hops.iter()
            .filter(|(r, _)| *r != Role::Subresource)
            .map(|&(r, i)| {
                let n = seen.entry(r.as_str()).or_default();
                *n += 1;
                ((r, *n), i)
            })
            .collect()
    };
    let (ka, kb) = (keyed(a), keyed(b));
    let mut out: Vec<(Role, usize, Option<usize>, Option<usize>)> = ka
        .iter()
        .map(|&((r, n), i)| {
            let j = kb.iter().find(|(k, _)| *k == (r, n)).map(|&(_, j)| j);
            (r, n, Some(i), j)
        })
        .collect();
    let mut after: Option<usize> = None; // position in `out` of the last B hop placed
    for &((r, n), j) in &kb {
        match out.iter().position(|x| x.0 == r && x.1 == n) {
            Some(pos) => after = Some(pos),
            None => {
                let pos = after.map_or(0, |p| p + 1);
                out.insert(pos, (r, n, None, Some(j)));
                after = Some(pos);
            }
        }
    }
    out
}

fn hop_diff(
    role: Role,
    occurrence: usize,
    a: Option<(usize, &Trace)>,
    b: Option<(usize, &Trace)>,
) -> HopDiff {
    let side = |(i, t): (usize, &Trace)| {
        let ex = &t.exchanges[i];
        HopSide {
            index: i,
            method: ex.method.clone(),
            host: host_of(&ex.url),
            path: redact::mask_url(url_without_query(&ex.url)),
            status: ex.status(),
        }
    };
    let (sa, sb) = (a.map(side), b.map(side));
    let mut changes = Vec::new();
    let mut params = Vec::new();
    if let (Some((ia, ta)), Some((ib, tb)), Some(x), Some(y)) = (a, b, &sa, &sb) {
        for (what, differs) in [
            ("host", x.host != y.host),
            ("method", !x.method.eq_ignore_ascii_case(&y.method)),
            ("path", x.path != y.path),
            ("status", x.status != y.status),
        ] {
            if differs {
                changes.push(what.to_string());
            }
        }
        params = param_diffs(&ta.exchanges[ia], &tb.exchanges[ib]);
        if params
            .iter()
            .any(|p| p.presence != Presence::Both || p.values == Some(Values::Different))
        {
            changes.push("params".to_string());
        }
    }
    HopDiff {
        role,
        occurrence,
        a: sa,
        b: sb,
        changes,
        params,
    }
}

/// (place, name) -> first value, for a hop's query, fragment and form.
fn params_of(ex: &Exchange) -> Vec<((&'static str, String), String)> {
    let url = UrlParams::of(&ex.url);
    let mut out: Vec<((&'static str, String), String)> = Vec::new();
    let mut push = |place: &'static str, name: &str, value: &str| {
        if !out.iter().any(|((p, n), _)| *p == place && n == name) {
            out.push(((place, name.to_string()), value.to_string()));
        }
    };
    for p in &url.query.0 {
        push("query", &p.name, &p.value);
    }
    for p in &url.fragment.0 {
        push("fragment", &p.name, &p.value);
    }
    for p in ex.form.iter().flatten() {
        push("form", &p.name, &p.value);
    }
    out
}

fn param_diffs(a: &Exchange, b: &Exchange) -> Vec<ParamDiff> {
    let (pa, pb) = (params_of(a), params_of(b));
    let mut keys: Vec<(&'static str, String)> = pa.iter().map(|(k, _)| k.clone()).collect();
    for (k, _) in &pb {
        if !keys.contains(k) {
            keys.push(k.clone());
        }
    }
    keys.into_iter()
        .map(|(place, name)| {
            let va = pa
                .iter()
                .find(|((p, n), _)| *p == place && *n == name)
                .map(|(_, v)| v);
            let vb = pb
                .iter()
                .find(|((p, n), _)| *p == place && *n == name)
                .map(|(_, v)| v);
            // Secrets and compared values change on every run, and are never shown.
            let per_run = PER_RUN_PARAMS.contains(&name.as_str())
                || redact::is_secret_name(&name)
                || redact::names::param_kind(&name).is_some();
            let (presence, values) = match (va, vb) {
                (Some(x), Some(y)) if x == y => (Presence::Both, Some(Values::Equal)),
                (Some(_), Some(_)) if per_run => (Presence::Both, Some(Values::PerRun)),
                (Some(_), Some(_)) => (Presence::Both, Some(Values::Different)),
                (Some(_), None) => (Presence::OnlyA, None),
                (None, _) => (Presence::OnlyB, None),
            };
            let show = values == Some(Values::Different);
            ParamDiff {
                value_a: va.filter(|_| show).map(|v| redact::mask_value(&name, v)),
                value_b: vb.filter(|_| show).map(|v| redact::mask_value(&name, v)),
                name,
                place: place.to_string(),
                presence,
                values,
            }
        })
        .collect()
}

fn check_diffs(a: &Report, b: &Report) -> Vec<CheckDiff> {
    let mut out: Vec<CheckDiff> = a
        .checks
        .iter()
        .map(|c| {
            let other = b.checks.iter().find(|o| o.id == c.id && o.flow == c.flow);
            CheckDiff {
                id: c.id.clone(),
                flow: c.flow,
                a: Some(c.status),
                b: other.map(|o| o.status),
                changed: other.map(|o| o.status) != Some(c.status),
            }
        })
        .collect();
    for c in &b.checks {
        if !a.checks.iter().any(|o| o.id == c.id && o.flow == c.flow) {
            out.push(CheckDiff {
                id: c.id.clone(),
                flow: c.flow,
                a: None,
                b: Some(c.status),
                changed: true,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{good_flow, GOOD_STATE};
    use crate::{analyze, Profile};

    fn run(trace: &Trace) -> Report {
        analyze(trace, &Profile::default())
    }

    #[test]
    fn a_run_against_itself_has_no_changes() {
        let t = good_flow().build();
        let d = diff(&t, &run(&t), &t, &run(&t));
        assert_eq!(
            d.summary.hops_changed + d.summary.hops_only_a + d.summary.hops_only_b,
            0
        );
        assert_eq!(d.summary.checks_changed, 0);
        assert!(d.flows[0]
            .hops
            .iter()
            .all(|h| h.a.is_some() && h.b.is_some()));
    }

    #[test]
    fn names_host_param_and_check_changes() {
        let a = good_flow().build();
        let b = good_flow()
            .replace_in_urls("login.acme.test", "login.staging.acme.test")
            .replace_in_urls(&format!("state={GOOD_STATE}&iss"), "state=other&iss")
            .replace_in_urls("&scope=calendar%3Aread", "&scope=calendar%3Awrite")
            .build();
        let d = diff(&a, &run(&a), &b, &run(&b));
        let login = d.flows[0]
            .hops
            .iter()
            .find(|h| h.role == Role::ByoaLogin)
            .expect("byoa login aligned");
        assert!(login.changes.contains(&"host".to_string()), "{login:?}");
        let authorize = d.flows[0]
            .hops
            .iter()
            .find(|h| h.role == Role::Authorize)
            .expect("authorize");
        let scope = authorize
            .params
            .iter()
            .find(|p| p.name == "scope")
            .expect("scope");
        assert_eq!(scope.values, Some(Values::Different));
        assert_eq!(scope.value_b.as_deref(), Some("calendar:write"));
        let state = authorize
            .params
            .iter()
            .find(|p| p.name == "state")
            .expect("state");
        assert_eq!(state.values, Some(Values::Equal));
        let callback = d.flows[0]
            .hops
            .iter()
            .find(|h| h.role == Role::ClientCallback)
            .expect("callback");
        let state = callback
            .params
            .iter()
            .find(|p| p.name == "state")
            .expect("state");
        assert_eq!(state.values, Some(Values::PerRun));
        assert!(state.value_a.is_none() && state.value_b.is_none());
        let changed: Vec<&str> = d
            .checks
            .iter()
            .filter(|c| c.changed)
            .map(|c| c.id.as_str())
            .collect();
        assert!(changed.contains(&"oauth-state"), "{changed:?}");
    }

    #[test]
    fn hops_only_in_one_run_are_placed_in_order() {
        let a = good_flow().build();
        // Run B skips the consent page: the partner callback redirects straight to the client.
        let b = good_flow()
            .edit(|t| {
                let to_callback = t.exchanges[9].response.clone();
                t.exchanges[7].response = to_callback;
                t.exchanges.drain(8..10);
            })
            .build();
        let d = diff(&a, &run(&a), &b, &run(&b));
        let only_a: Vec<Role> = d.flows[0]
            .hops
            .iter()
            .filter(|h| h.b.is_none())
            .map(|h| h.role)
            .collect();
        assert!(only_a.contains(&Role::ConsentPage), "{only_a:?}");
        assert!(d.summary.hops_only_a >= 1);
        let roles: Vec<Role> = d.flows[0].hops.iter().map(|h| h.role).collect();
        let consent = roles
            .iter()
            .position(|r| *r == Role::ConsentPage)
            .expect("consent");
        let authorize = roles
            .iter()
            .position(|r| *r == Role::Authorize)
            .expect("authorize");
        assert!(authorize < consent, "{roles:?}");
    }

    #[test]
    fn different_flow_counts() {
        let a = good_flow().build();
        let b = Trace::default();
        let d = diff(&a, &run(&a), &b, &run(&b));
        assert_eq!((d.summary.flows_a, d.summary.flows_b), (1, 0));
        assert!(d.flows[0].hops.iter().all(|h| h.b.is_none()));
        assert!(d.summary.checks_changed > 0);
    }
}
