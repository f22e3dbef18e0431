//! Query-parameter types of list pages and their API twins, each turned into the domain's
//! own filter once, at the edge.

use serde::Deserialize;

use crate::dashboards::period::{self, Period};
use crate::db::ids::{OperatorId, ScriptId};
use crate::error::AppError;
use crate::gaps::{GapFilter, GapStatus};
use crate::recordings::{RecordingFilter, RecordingStatus};

#[derive(Deserialize)]
pub struct ListQuery {
    pub operator_id: Option<String>,
    pub status: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, inclusive.
    pub to: Option<String>,
}

impl ListQuery {
    pub fn filter(&self) -> Result<RecordingFilter, AppError> {
        let day = crate::db::time::day_bound;
        let status = match self
            .status
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(word) => Some(
                RecordingStatus::parse(word)
                    .ok_or_else(|| AppError::field("status", "unknown_value"))?,
            ),
        };
        Ok(RecordingFilter {
            operator_id: self
                .operator_id
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(OperatorId::from_raw),
            status,
            from: day("from", &self.from, 0)?,
            until: day("to", &self.to, 1)?,
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
    pub fn filter(&self) -> Result<GapFilter, AppError> {
        let present = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
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
            from: crate::db::time::day_bound("from", &self.from, 0)?,
            until: crate::db::time::day_bound("to", &self.to, 1)?,
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
    pub fn period(&self) -> Result<Period, AppError> {
        Period::parse(&self.from, &self.to, period::today()).map_err(AppError::Validation)
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
