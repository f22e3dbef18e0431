//! Query-parameter types of list pages and their API twins, each turned into the domain's
//! own filter once, at the edge.

use serde::Deserialize;

use crate::dashboards::period::Period;
use crate::db::ids::{OperatorId, ScriptId};
use crate::error::AppError;
use crate::gaps::{GapFilter, GapStatus};
use crate::recordings::{Problem, RecordingFilter, RecordingOrder, RecordingSort, RecordingStatus};
use crate::zone::Zone;

#[derive(Deserialize)]
pub struct ListQuery {
    pub operator_id: Option<String>,
    pub status: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
    /// The day the call took place (the upload day when unknown), `YYYY-MM-DD`, inclusive:
    /// the days of the overview the list is opened from.
    pub called_from: Option<String>,
    pub called_to: Option<String>,
    /// A column: `uploaded` (default), `operator`, `file`, `duration`, `status`, `reviews`.
    pub sort: Option<String>,
    /// `asc` or `desc` (the column's natural direction when absent).
    pub dir: Option<String>,
    /// 1-based.
    pub page: Option<String>,
    pub script_id: Option<String>,
    /// `incorrect` or `disagreement`: calls whose counted reviews show it.
    pub problem: Option<String>,
    /// The step the problem is on; alone, calls whose reviews graded the step.
    pub step_key: Option<String>,
}

/// A query parameter's text, trimmed; `None` when absent or blank.
fn present(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The page of a list asked for: 1 when absent or blank.
pub fn page_number(text: &Option<String>) -> Result<i64, AppError> {
    match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(1),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=1_000_000).contains(n))
            .ok_or_else(|| AppError::field("page", "not_a_page")),
    }
}

/// `asc` → `Some(false)`, `desc` → `Some(true)`, absent or blank → `None`.
pub fn descending(text: &Option<String>) -> Result<Option<bool>, AppError> {
    match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some("asc") => Ok(Some(false)),
        Some("desc") => Ok(Some(true)),
        Some(_) => Err(AppError::field("dir", "unknown_value")),
    }
}

/// A `YYYY-MM-DD` bound as the stored instant its local day starts at in `zone`
/// (`add_days` 1 for an inclusive end: the start of the next day).
fn day_in(
    zone: &Zone,
    field: &'static str,
    text: &Option<String>,
    add_days: i64,
) -> Result<Option<crate::db::time::Timestamp>, AppError> {
    let midnight = crate::db::time::day_bound(field, text, add_days)?;
    Ok(midnight.map(|at| zone.start_of(at.date())))
}

impl ListQuery {
    /// The filter, its dates read as days in `zone`.
    pub fn filter(&self, zone: &Zone) -> Result<RecordingFilter, AppError> {
        let day = |field, text, add| day_in(zone, field, text, add);
        let word =
            |field: &'static str, text: &Option<String>| present(text).map(|word| (field, word));
        let unknown = |(field, _): (&'static str, String)| AppError::field(field, "unknown_value");
        let status = word("status", &self.status)
            .map(|w| RecordingStatus::parse(&w.1).ok_or_else(|| unknown(w)))
            .transpose()?;
        let by = word("sort", &self.sort)
            .map(|w| RecordingSort::parse(&w.1).ok_or_else(|| unknown(w)))
            .transpose()?
            .unwrap_or(RecordingSort::Uploaded);
        let problem = word("problem", &self.problem)
            .map(|w| Problem::parse(&w.1).ok_or_else(|| unknown(w)))
            .transpose()?;
        let step_key = present(&self.step_key);
        // Times and numbers read best largest first; names and words from A.
        let natural = matches!(
            by,
            RecordingSort::Uploaded | RecordingSort::Duration | RecordingSort::Reviews
        );
        Ok(RecordingFilter {
            order: RecordingOrder {
                by,
                descending: descending(&self.dir)?.unwrap_or(natural),
            },
            operator_id: present(&self.operator_id).map(OperatorId::from_raw),
            status,
            from: day("from", &self.from, 0)?,
            until: day("to", &self.to, 1)?,
            called_from: day("called_from", &self.called_from, 0)?,
            called_until: day("called_to", &self.called_to, 1)?,
            script_id: present(&self.script_id).map(ScriptId::from_raw),
            problem,
            step_key,
        })
    }
}

/// The queue's filters as query parameters (shared with the page).
#[derive(Debug, Default, Deserialize)]
pub struct GapQuery {
    pub status: Option<String>,
    pub script_id: Option<String>,
    pub step_key: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
}

impl GapQuery {
    /// The filter, its dates read as days in `zone`.
    pub fn filter(&self, zone: &Zone) -> Result<GapFilter, AppError> {
        let status = match present(&self.status) {
            None => None,
            Some(word) => Some(
                GapStatus::parse(&word)
                    .ok_or_else(|| AppError::field("status", "unknown_value"))?,
            ),
        };
        Ok(GapFilter {
            id: None,
            status,
            script_id: present(&self.script_id).map(ScriptId::from_raw),
            step_key: present(&self.step_key),
            from: day_in(zone, "from", &self.from, 0)?,
            until: day_in(zone, "to", &self.to, 1)?,
        })
    }
}

/// The period of a request, both ends `YYYY-MM-DD` and inclusive; blank means the default.
#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

impl PeriodQuery {
    /// The period, its days in `zone` (blank `to`: today there).
    pub fn period(&self, zone: &Zone) -> Result<Period, AppError> {
        Period::parse(&self.from, &self.to, zone.today()).map_err(AppError::Validation)
    }
}

#[derive(Deserialize)]
pub struct DiffQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A version number from the path or query; anything else names no version (404).
pub fn version_number(text: &str) -> Result<i32, AppError> {
    text.parse::<i32>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or(AppError::NotFound)
}

/// `?script_id=…&version=N` of the agreement figures.
#[derive(Debug, Default, Deserialize)]
pub struct AgreementQuery {
    pub script_id: Option<String>,
    pub version: Option<String>,
}

impl AgreementQuery {
    /// The script (required: 422 naming `script_id`) and the version number, if any (one
    /// that is not a number names no version: 404).
    pub fn parse(&self) -> Result<(ScriptId, Option<i32>), AppError> {
        let script = present(&self.script_id)
            .map(ScriptId::from_raw)
            .ok_or_else(|| AppError::field("script_id", "required"))?;
        let version = present(&self.version)
            .map(|text| version_number(&text))
            .transpose()?;
        Ok((script, version))
    }
}
