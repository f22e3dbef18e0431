//! Agreement between reviewers as the pages show it: alpha to two decimals in the reader's
//! language, the count of values it rests on, and whether the step is flagged as one
//! reviewers judge differently. Used by the script page and the gap queue.

use serde::Serialize;

use crate::dashboards::agreement::{ScriptAgreement, StepAgreement, UnclearStep};
use crate::i18n::Lang;
use crate::reviews::agreement::{Agreement, LOW_ALPHA, MIN_VALUES};

/// Alpha as read: `0.74` (`0,74` in Russian), a dash when undefined.
pub fn alpha_text(lang: Lang, alpha: Option<f64>) -> String {
    match alpha {
        None => "—".to_owned(),
        Some(alpha) => {
            let text = format!("{alpha:.2}").replace("-0.00", "0.00");
            match lang {
                Lang::Ru => text.replace('.', ","),
                Lang::En => text,
            }
        }
    }
}

#[derive(Debug, Serialize)]
pub struct AgreementLine {
    pub step_key: String,
    pub title: String,
    pub alpha: String,
    pub defined: bool,
    pub values: usize,
    pub low: bool,
}

/// The script page's section.
#[derive(Debug, Serialize)]
pub struct AgreementView {
    pub overall: AgreementLine,
    pub steps: Vec<AgreementLine>,
    pub any_low: bool,
    /// The thresholds, for the explanation.
    pub low_alpha: String,
    pub min_values: usize,
}

fn line(lang: Lang, step_key: String, title: String, agreement: Agreement) -> AgreementLine {
    AgreementLine {
        step_key,
        title,
        alpha: alpha_text(lang, agreement.alpha),
        defined: agreement.alpha.is_some(),
        values: agreement.values,
        low: agreement.is_low(),
    }
}

fn step_line(lang: Lang, step: StepAgreement) -> AgreementLine {
    let agreement = Agreement {
        alpha: step.alpha,
        values: step.values,
    };
    line(lang, step.step_key, step.title, agreement)
}

impl AgreementView {
    pub fn new(lang: Lang, figures: ScriptAgreement) -> Self {
        let steps: Vec<AgreementLine> = figures
            .steps
            .into_iter()
            .map(|s| step_line(lang, s))
            .collect();
        AgreementView {
            overall: line(lang, String::new(), String::new(), figures.overall),
            any_low: steps.iter().any(|s| s.low),
            steps,
            low_alpha: match lang {
                Lang::Ru => LOW_ALPHA.to_string().replace('.', ","),
                Lang::En => LOW_ALPHA.to_string(),
            },
            min_values: MIN_VALUES,
        }
    }
}

/// A "step unclear" item of the gap queue.
#[derive(Debug, Serialize)]
pub struct UnclearItem {
    pub script_id: String,
    /// The editor's anchor of the step (`step-3`), when the latest version has it.
    pub anchor: Option<String>,
    pub script_name: String,
    pub step: AgreementLine,
}

pub fn unclear_items(lang: Lang, steps: Vec<UnclearStep>) -> Vec<UnclearItem> {
    steps
        .into_iter()
        .map(|u| UnclearItem {
            script_id: u.script_id.to_string(),
            anchor: u.step.place.map(|n| format!("step-{n}")),
            script_name: u.script_name,
            step: step_line(lang, u.step),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_reads_with_two_decimals_in_the_readers_language() {
        assert_eq!(alpha_text(Lang::En, Some(31.0 / 71.0)), "0.44");
        assert_eq!(alpha_text(Lang::Ru, Some(0.5)), "0,50");
        assert_eq!(alpha_text(Lang::En, Some(-0.0001)), "0.00");
        assert_eq!(alpha_text(Lang::En, Some(-0.5)), "-0.50");
        assert_eq!(alpha_text(Lang::Ru, None), "—");
    }
}
