//! The expectations profile for the options page and the popup: parsed, validated and keyed
//! in the core ([`flowlens_core::profile`]), with the CLI's rules and errors.

use flowlens_core::profile::{ProfileError, ProfileForm};
use flowlens_core::Profile;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::convert::{from_js_or_default, to_js};

/// What the options page gets for a filled-in form.
#[derive(Debug, Serialize)]
pub struct ParsedProfile {
    /// The profile to store, when the form has no error.
    pub profile: Option<Profile>,
    /// Each problem with its field (`custom_domains[1]`, `login_endpoint`, or `form` when the
    /// form itself does not read), to show next to it.
    pub errors: Vec<ProfileError>,
}

/// `profileFromForm(form)` → `{profile, errors}`: the options page's text fields as typed
/// (lists one per line) to the profile, by the same rules as `flowlens check --profile`.
#[wasm_bindgen(js_name = profileFromForm)]
pub fn profile_from_form(form: JsValue) -> Result<JsValue, JsError> {
    let parsed = match serde_wasm_bindgen::from_value::<ProfileForm>(form) {
        Err(e) => ParsedProfile {
            profile: None,
            errors: vec![ProfileError {
                field: "form".into(),
                message: e.to_string(),
            }],
        },
        Ok(form) => match form.parse() {
            Ok(profile) => ParsedProfile {
                profile: Some(profile),
                errors: Vec::new(),
            },
            Err(errors) => ParsedProfile {
                profile: None,
                errors: errors.0,
            },
        },
    };
    to_js(&parsed)
}

/// `profileForm(profile?)` → the form's text fields for a stored profile; an error names what
/// in the stored profile does not read.
#[wasm_bindgen(js_name = profileForm)]
pub fn profile_form(profile: JsValue) -> Result<JsValue, JsError> {
    let profile: Profile = from_js_or_default(profile, "the stored profile")?;
    to_js(&profile.to_form())
}

/// `deploymentKey(profile?)` → the key the manual checklist answers are stored under for the
/// deployment this profile describes ([`Profile::deployment_id`]).
#[wasm_bindgen(js_name = deploymentKey)]
pub fn deployment_key(profile: JsValue) -> Result<String, JsError> {
    let profile: Profile = from_js_or_default(profile, "the stored profile")?;
    Ok(profile.deployment_id())
}
