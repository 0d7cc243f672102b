//! A report made fit for a support bundle with the same [`Redactor`] as the bundle's HAR.

use super::Report;
use crate::redact::receipt::loc;
use crate::redact::Redactor;

impl Report {
    /// Redacts a report computed on the unredacted trace, for a support bundle: URLs of hops,
    /// the flow's end and evidence are redacted, then every value `redactor` has
    /// pseudonymised (redact the trace or export it first) is replaced wherever it appears,
    /// summaries included. Reports already mask secrets; this also replaces `state` and the
    /// other compared values by the pseudonyms the export carries.
    pub fn redact(&mut self, redactor: &mut Redactor) {
        redactor.loc = loc::LOG_OTHER;
        for flow in &mut self.flows {
            for hop in &mut flow.hops {
                hop.url = redactor.redact_url(&hop.url);
            }
            if let Some(end) = &mut flow.end {
                end.url = redactor.redact_url(&end.url);
            }
        }
        for check in &mut self.checks {
            for e in &mut check.evidence {
                if let Some(u) = &e.url {
                    e.url = Some(redactor.redact_url(u));
                }
            }
        }
        if let Ok(mut v) = serde_json::to_value(&*self) {
            if redactor.scrub_value(&mut v) {
                if let Ok(r) = serde_json::from_value(v) {
                    *self = r;
                }
            }
        }
    }
}
