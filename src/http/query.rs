//! Query-parameter types of list pages and their API twins, each turned into the domain's
//! own filter once, at the edge.

use serde::Deserialize;

use crate::db::ids::OperatorId;
use crate::error::AppError;
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
