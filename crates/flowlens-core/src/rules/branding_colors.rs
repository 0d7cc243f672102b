use crate::check::Outcome;
use crate::declare_rule;
use crate::page::choose;
use crate::rules::branding::{branded_pages, NO_CONSENT_PAGE};
use crate::rules::findings::Findings;
use crate::rules::{Context, Rule, RuleMeta};
use crate::stdx::controls::visible;
use crate::vendor::branding;

declare_rule! {
    /// ## What it checks
    /// The computed background color of the consent page (and of a login page hosted on the
    /// authorization server) and of its primary button are set: when the profile gives
    /// `colors.background` / `colors.primary_button`, they must match (colors are compared
    /// after normalising `#rgb`, `#rrggbb`, `rgb()` and `rgba()`); without a profile they must
    /// not be transparent nor, in a flow that shows signs of Scalekit (a vendor host, a
    /// `/resources/res_…` issuer, its hosted pages or APIs), the vendor's default theme; on
    /// another server there is no vendor theme to compare with. Computed colors come from the
    /// extension's page snapshot; a HAR file has none, and the check is then not observed.
    ///
    /// ## Why it matters
    /// Your colors on the consent screen are part of what tells users the request comes from
    /// you. The vendor's default theme makes the page look like a generic third-party
    /// prompt, which is exactly what users are taught to distrust.
    ///
    /// ## How to fix
    /// In the Scalekit Dashboard go to Customization > Branding, and on the Consent Screen
    /// (and Login) tab set the background color and the primary button background and text
    /// colors to your brand colors. Put the same values in the Flowlens profile
    /// (`[colors] background = "#0b1540"`, `primary_button = "#0a66c2"`) so the check
    /// compares against them exactly.
    pub struct BrandingColors {
        id: "branding-colors",
        section: ConsentScreenBranding,
        title: "Brand colors on the consent page",
        fixed_in: [ScalekitDashboard(Branding)],
    }
}

impl Rule for BrandingColors {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>) -> Outcome {
        let mut findings = Findings::new();
        for page in branded_pages(cx) {
            let label = &page.label;
            let Some(snapshot) = page.seen(cx).filter(|s| !s.from_html).map(|s| s.facts) else {
                findings.gap(
                    format!("the colors of the {label} are not in the trace (computed styles come from the extension's page snapshot)"),
                    page.evidence("no page snapshot"),
                );
                continue;
            };
            let (button_color, _) = choose::primary_button_colors(snapshot);
            let parts = [
                (
                    "background color",
                    snapshot.colors.background.as_deref(),
                    cx.profile.colors.background.as_deref(),
                    branding::DEFAULT_BACKGROUND_COLORS,
                ),
                (
                    "primary button color",
                    button_color,
                    cx.profile.colors.primary_button.as_deref(),
                    branding::DEFAULT_PRIMARY_BUTTON_COLORS,
                ),
            ];
            for (what, observed, expected, defaults) in parts {
                let evidence = |note: String| {
                    page.evidence(note)
                        .field(what, observed.map(|o| visible(o, 80)).as_deref())
                };
                let Some(observed_text) = observed else {
                    findings.gap(
                        format!("the snapshot of the {label} has no {what}"),
                        evidence("not in the snapshot".into()),
                    );
                    continue;
                };
                let Some(color) = Color::parse(observed_text) else {
                    findings.gap(
                        format!("the {what} of the {label} is not a color Flowlens can read"),
                        evidence("unreadable color".into()),
                    );
                    continue;
                };
                if let Some(expected_text) = expected {
                    match Color::parse(expected_text) {
                        None => findings.warn(
                            format!(
                                "the profile's {what} {} is not a color",
                                visible(expected_text, 40)
                            ),
                            evidence(
                                "profile value unreadable: use #rrggbb or rgb(r, g, b)".into(),
                            ),
                        ),
                        Some(want) if want.same(&color) => findings.pass(
                            format!("the {what} of the {label} is the expected {}", want.hex()),
                            evidence(format!("matches the profile ({})", want.hex())),
                        ),
                        Some(want) => findings.fail(
                            format!(
                                "the {what} of the {label} is {}, not the expected {}",
                                color.hex(),
                                want.hex()
                            ),
                            evidence(format!("the profile expects {}", want.hex())),
                        ),
                    }
                    continue;
                }
                let vendor_flow = cx.is_vendor_flow();
                if vendor_flow {
                    findings.assume(
                        "no profile colors: the colors were only compared with the vendor's default theme",
                    );
                } else {
                    findings.assume(
                        "no profile colors, and the authorization server does not look like Scalekit: the colors were only checked to be set",
                    );
                }
                if color.a <= 0.001 {
                    findings.warn(
                        format!("the {label} has no {what} of its own (transparent)"),
                        evidence("transparent: the default shows through".into()),
                    );
                } else if vendor_flow
                    && defaults
                        .iter()
                        .filter_map(|d| Color::parse(d))
                        .any(|d| d.same(&color))
                {
                    if !branding::DEFAULT_COLORS_CONFIRMED {
                        findings.assume(
                            "the vendor's default theme colors known to Flowlens are unconfirmed",
                        );
                    }
                    findings.warn(
                        format!(
                            "the {what} of the {label} is {}, the vendor's default",
                            color.hex()
                        ),
                        evidence("the vendor's default theme".into()),
                    );
                } else {
                    findings.pass(
                        format!("the {label} sets its {what}"),
                        evidence(format!("{}: not the vendor default", color.hex())),
                    );
                }
            }
        }
        findings.outcome_with_gaps(
            "the consent page uses your background and button colors",
            NO_CONSENT_PAGE,
            false,
        )
    }
}

/// An sRGB color with alpha, as CSS writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Color {
    r: u8,
    g: u8,
    b: u8,
    a: f64,
}

impl Color {
    /// Parses `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()`/`rgba()` (commas or spaces,
    /// numbers or percentages, `/ alpha`), `transparent`, `white` and `black`.
    fn parse(s: &str) -> Option<Color> {
        let s = s.trim().to_ascii_lowercase();
        if s.len() > 64 {
            return None;
        }
        match s.as_str() {
            "transparent" => {
                return Some(Color {
                    r: 0,
                    g: 0,
                    b: 0,
                    a: 0.0,
                })
            }
            "white" => {
                return Some(Color {
                    r: 255,
                    g: 255,
                    b: 255,
                    a: 1.0,
                })
            }
            "black" => {
                return Some(Color {
                    r: 0,
                    g: 0,
                    b: 0,
                    a: 1.0,
                })
            }
            _ => {}
        }
        if let Some(hex) = s.strip_prefix('#') {
            return Self::parse_hex(hex);
        }
        let inner = s
            .strip_prefix("rgba(")
            .or_else(|| s.strip_prefix("rgb("))?
            .strip_suffix(')')?;
        let parts: Vec<&str> = inner
            .split([',', ' ', '/'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if !(parts.len() == 3 || parts.len() == 4) {
            return None;
        }
        let channel = |p: &str| -> Option<u8> {
            let v = match p.strip_suffix('%') {
                Some(pct) => css_number(pct)? * 2.55,
                None => css_number(p)?,
            };
            v.is_finite().then(|| v.round().clamp(0.0, 255.0) as u8)
        };
        let alpha = match parts.get(3) {
            None => 1.0,
            Some(p) => {
                let v = match p.strip_suffix('%') {
                    Some(pct) => css_number(pct)? / 100.0,
                    None => css_number(p)?,
                };
                if !v.is_finite() {
                    return None;
                }
                v.clamp(0.0, 1.0)
            }
        };
        Some(Color {
            r: channel(parts[0])?,
            g: channel(parts[1])?,
            b: channel(parts[2])?,
            a: alpha,
        })
    }

    fn parse_hex(hex: &str) -> Option<Color> {
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let digit = |i: usize| u8::from_str_radix(&hex[i..i + 1], 16).ok();
        let pair = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
        match hex.len() {
            3 | 4 => {
                let d = |i| digit(i).map(|v| v * 17);
                Some(Color {
                    r: d(0)?,
                    g: d(1)?,
                    b: d(2)?,
                    a: if hex.len() == 4 {
                        f64::from(d(3)?) / 255.0
                    } else {
                        1.0
                    },
                })
            }
            6 | 8 => Some(Color {
                r: pair(0)?,
                g: pair(2)?,
                b: pair(4)?,
                a: if hex.len() == 8 {
                    f64::from(pair(6)?) / 255.0
                } else {
                    1.0
                },
            }),
            _ => None,
        }
    }

    fn same(&self, other: &Color) -> bool {
        (self.r, self.g, self.b) == (other.r, other.g, other.b) && (self.a - other.a).abs() < 0.01
    }

    /// `#rrggbb`, with the alpha appended (`#rrggbbaa`) when not opaque.
    fn hex(&self) -> String {
        if self.a >= 0.999 {
            format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
        } else {
            let a = (self.a * 255.0).round() as u8;
            format!("#{:02x}{:02x}{:02x}{:02x}", self.r, self.g, self.b, a)
        }
    }
}

/// A CSS `<number>` (`12`, `-0.5`, `.5`, `1e2`), read by hand: `str::parse::<f64>` is the
/// only use of the standard library's float parser (and its 10 KB table of powers of five)
/// in the extension's first-paint wasm, and a color channel needs no correctly rounded last
/// bit.
fn css_number(s: &str) -> Option<f64> {
    let bytes = s.as_bytes();
    let mut i = 0;
    let negative = sign(bytes, &mut i);
    let mut value = 0.0f64;
    let mut digits = 0;
    while let Some(d) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
        value = value * 10.0 + f64::from(d - b'0');
        digits += 1;
        i += 1;
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        let mut scale = 1.0;
        while let Some(d) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
            scale /= 10.0;
            value += f64::from(d - b'0') * scale;
            digits += 1;
            i += 1;
        }
    }
    if digits == 0 {
        return None;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        let minus = sign(bytes, &mut i);
        let mut exponent: i32 = 0;
        let start = i;
        while let Some(d) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
            exponent = (exponent * 10 + i32::from(d - b'0')).min(1000);
            i += 1;
        }
        if i == start {
            return None;
        }
        value *= 10f64.powi(if minus { -exponent } else { exponent });
    }
    (i == bytes.len()).then_some(if negative { -value } else { value })
}

/// Reads an optional `+` or `-` at `i`; true for `-`.
fn sign(bytes: &[u8], i: &mut usize) -> bool {
    match bytes.get(*i) {
        Some(b'-') => {
            *i += 1;
            true
        }
        Some(b'+') => {
            *i += 1;
            false
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::ProfileColors;
    use crate::testing::{good_flow, good_flow_with_pages, run_rule};
    use crate::{Profile, Status};

    #[test]
    fn css_numbers_read_as_the_standard_library_reads_them() {
        for text in [
            "0", "255", "12.5", ".5", "-0.25", "+3", "1e2", "2.5E-1", "007", "100.000",
        ] {
            let ours = css_number(text).expect(text);
            let std: f64 = text.parse().expect(text);
            assert!((ours - std).abs() < 1e-9, "{text}: {ours} vs {std}");
        }
        for text in [
            "", "-", ".", "1.2.3", "e5", "1e", "12px", "inf", "NaN", "0x10", " 1",
        ] {
            assert_eq!(css_number(text), None, "{text}");
        }
    }

    fn profile(background: &str, button: &str) -> Profile {
        Profile {
            colors: ProfileColors {
                background: Some(background.into()),
                primary_button: Some(button.into()),
            },
            ..Profile::default()
        }
    }

    #[test]
    fn normalises_css_colors() {
        let c = |s: &str| Color::parse(s).map(|c| c.hex());
        assert_eq!(c("#0A66C2").as_deref(), Some("#0a66c2"));
        assert_eq!(c("#fff").as_deref(), Some("#ffffff"));
        assert_eq!(c("rgb(10, 102, 194)").as_deref(), Some("#0a66c2"));
        assert_eq!(c("rgba(10,102,194,1)").as_deref(), Some("#0a66c2"));
        assert_eq!(c("rgb(10 102 194 / 50%)").as_deref(), Some("#0a66c280"));
        assert_eq!(c("rgba(0, 0, 0, 0)").as_deref(), Some("#00000000"));
        for bad in [
            "",
            "#12",
            "#ggg",
            "rgb(1,2)",
            "rgb(a,b,c)",
            "hsl(1,2%,3%)",
            "#ééé",
            "rgb(NaN,1,1)",
        ] {
            assert_eq!(Color::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn compares_with_the_profile() {
        let trace = good_flow_with_pages().build();
        let ok = run_rule(
            &BrandingColors,
            &trace,
            &profile("#0b1540", "rgb(10,102,194)"),
        );
        assert_eq!(ok.status, Status::Pass, "{ok:?}");
        let wrong = run_rule(&BrandingColors, &trace, &profile("#0b1540", "#ff0000"));
        assert_eq!(wrong.status, Status::Fail);
        assert!(wrong.summary.contains("#0a66c2"), "{}", wrong.summary);
    }

    #[test]
    fn without_profile_passes_custom_colors_and_warns_on_defaults() {
        let trace = good_flow_with_pages().build();
        let outcome = run_rule(&BrandingColors, &trace, &Profile::default());
        assert_eq!(outcome.status, Status::Pass);
        assert!(!outcome.assumptions.is_empty());
        let default = good_flow_with_pages()
            .edit_consent_snapshot(|p| p.colors.background = Some("rgb(255, 255, 255)".into()))
            .build();
        assert_eq!(
            run_rule(&BrandingColors, &default, &Profile::default()).status,
            Status::Warn
        );
        let transparent = good_flow_with_pages()
            .edit_consent_snapshot(|p| p.colors.primary_button = Some("rgba(0, 0, 0, 0)".into()))
            .build();
        assert_eq!(
            run_rule(&BrandingColors, &transparent, &Profile::default()).status,
            Status::Warn
        );
        // On a server that is not Scalekit, white is a color like any other.
        let elsewhere = good_flow_with_pages()
            .edit_consent_snapshot(|p| p.colors.background = Some("rgb(255, 255, 255)".into()))
            .replace_in_urls("/resources/res_1", "")
            .replace_in_urls("/sso/v1/connections/conn_987/partner:callback", "/continue")
            .edit(|t| {
                for ex in &mut t.exchanges {
                    if let Some(b) = ex.response.as_mut().and_then(|r| r.body.as_mut()) {
                        b.text = b.text.replace("/resources/res_1", "");
                    }
                }
            })
            .build();
        let outcome = run_rule(&BrandingColors, &elsewhere, &Profile::default());
        assert_eq!(outcome.status, Status::Pass, "{outcome:?}");
        assert!(outcome
            .assumptions
            .iter()
            .any(|a| a.contains("does not look like Scalekit")));
    }

    #[test]
    fn is_not_observed_without_snapshot_or_colors() {
        let outcome = run_rule(&BrandingColors, &good_flow().build(), &Profile::default());
        assert_eq!(outcome.status, Status::NotObserved);
        let missing = good_flow_with_pages()
            .edit_consent_snapshot(|p| p.colors = Default::default())
            .build();
        assert_eq!(
            run_rule(&BrandingColors, &missing, &Profile::default()).status,
            Status::NotObserved
        );
        let hostile = good_flow_with_pages()
            .edit_consent_snapshot(|p| p.colors.background = Some("<script>".repeat(100_000)))
            .build();
        let outcome = run_rule(&BrandingColors, &hostile, &Profile::default());
        assert!(outcome
            .evidence
            .iter()
            .all(|e| e.value.as_deref().map_or(0, str::len) < 200));
    }
}
