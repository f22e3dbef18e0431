//! Dynamic overlap: a call gets as many reviews as its answer needs, between the bounds its
//! script had when it was uploaded, instead of a fixed number.
//!
//! After every counted review of a call with bounds, [`settle`] sets the reviews the call
//! requires *now*: the minimum until it is reached; then one more review while the answer is
//! not yet sure ([`Signals`]: a reviewer not yet trusted, reviewers disagreeing on a step, a
//! step's consensus less confident than the owner's threshold, a critical step failed by one
//! reviewer alone, which would fail the whole call), never above the maximum;
//! otherwise the call is finished at the reviews it has. The requirement never drops below
//! the counted reviews plus the leases still out, so nobody holding the call loses it. The
//! pool (`crate::assignments::pool`) then hands out exactly the open slots, under the same
//! lock and transaction as the review itself, so racing reviewers and processes never push a
//! call past what it needs at that moment.
//!
//! A call uploaded with an explicit number of reviews has no bounds: its overlap stays fixed.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use serde::Serialize;

use super::status::counted;
use super::verdict::Verdict;
use super::weighted;
use crate::db::DbConnection;
use crate::db::ids::{RecordingId, UserId};
use crate::db::schema::{recordings, reviews, steps, verdicts};
use crate::org_settings::OrgSettings;

/// A call's bounds: at least `min`, at most `max` reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Bounds {
    pub min: i32,
    pub max: i32,
}

/// Why a call's answer is not yet sure (each one alone asks for another review).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Signals {
    /// A counted review is by a reviewer with fewer scored gold steps than the setting.
    pub untrusted: bool,
    /// The step keys on which counted reviews gave different verdicts.
    pub disagreements: Vec<String>,
    /// The step keys whose consensus is less confident than the setting.
    pub unsure: Vec<String>,
    /// Critical steps only one review marked `incorrect`: failing the call waits for a
    /// second reviewer to say so too.
    pub critical_unconfirmed: Vec<String>,
}

impl Signals {
    pub fn any(&self) -> bool {
        self.untrusted
            || !self.disagreements.is_empty()
            || !self.unsure.is_empty()
            || !self.critical_unconfirmed.is_empty()
    }
}

/// The critical steps (of `critical`, by key) that exactly one of the reviews marked
/// `incorrect`.
pub fn critical_unconfirmed(reviews: &[CountedReview], critical: &[String]) -> Vec<String> {
    critical
        .iter()
        .filter(|key| {
            reviews
                .iter()
                .filter(|r| r.verdicts.get(*key) == Some(&Verdict::Incorrect))
                .count()
                == 1
        })
        .cloned()
        .collect()
}

/// What the call needs now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// Below the minimum.
    Minimum,
    /// At least the minimum, but the answer is not sure: one more.
    Another,
    /// Not sure, but the maximum is reached.
    AtMaximum,
    /// Sure: finished.
    Settled,
}

/// The reviews a call with `bounds` requires with `done` counted reviews and `leased` leases
/// out, and why. Pure: the whole rule.
pub fn required(bounds: Bounds, done: i32, leased: i32, signals: &Signals) -> (i32, Need) {
    let (wanted, need) = if done < bounds.min {
        (bounds.min, Need::Minimum)
    } else if !signals.any() {
        (done, Need::Settled)
    } else if done < bounds.max {
        (done + 1, Need::Another)
    } else {
        (done, Need::AtMaximum)
    };
    // Nobody holding the call loses it; a restored review may have put it above its maximum.
    (wanted.max(done + leased), need)
}

/// The owner's thresholds for "sure".
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    /// Scored gold steps before a reviewer's single review is trusted.
    pub trust_steps: i64,
    /// 0–1.
    pub confidence: f64,
}

impl Thresholds {
    pub fn of(settings: &OrgSettings) -> Thresholds {
        Thresholds {
            trust_steps: i64::from(settings.trust_gold_steps),
            confidence: f64::from(settings.confidence_percent) / 100.0,
        }
    }
}

/// One counted review's verdicts by step key, with its reviewer.
pub struct CountedReview {
    pub reviewer: UserId,
    pub verdicts: BTreeMap<String, Verdict>,
}

/// The signals of a call's counted reviews; `trusted` says which reviewers are trusted and
/// `confidence` gives a step's consensus confidence (0–1) from its verdicts (the weighted
/// consensus's, see [`weighted`]).
pub fn signals(
    reviews: &[CountedReview],
    trusted: impl Fn(&UserId) -> bool,
    confidence: impl Fn(&str, &[(&UserId, Verdict)]) -> f64,
    threshold: f64,
) -> Signals {
    let mut by_step: BTreeMap<&str, Vec<(&UserId, Verdict)>> = BTreeMap::new();
    for review in reviews {
        for (key, verdict) in &review.verdicts {
            by_step
                .entry(key.as_str())
                .or_default()
                .push((&review.reviewer, *verdict));
        }
    }
    let mut found = Signals {
        untrusted: reviews.iter().any(|r| !trusted(&r.reviewer)),
        ..Signals::default()
    };
    for (key, given) in by_step {
        if given.iter().any(|(_, v)| *v != given[0].1) {
            found.disagreements.push(key.to_owned());
        }
        if confidence(key, &given) < threshold {
            found.unsure.push(key.to_owned());
        }
    }
    found
}

/// The counted reviews of a call with their verdicts.
pub fn counted_reviews(
    conn: &mut DbConnection,
    recording: &RecordingId,
) -> QueryResult<Vec<CountedReview>> {
    let rows: Vec<(String, UserId, String, Verdict)> = verdicts::table
        .inner_join(reviews::table)
        .filter(reviews::recording_id.eq(recording))
        .filter(counted())
        .order((reviews::submitted_at.asc(), reviews::id.asc()))
        .select((
            reviews::id,
            reviews::reviewer_id,
            verdicts::step_key,
            verdicts::verdict,
        ))
        .load(conn)?;
    let mut found: Vec<(String, CountedReview)> = Vec::new();
    for (review, reviewer, key, verdict) in rows {
        if found.last().is_none_or(|(id, _)| *id != review) {
            found.push((
                review.clone(),
                CountedReview {
                    reviewer,
                    verdicts: BTreeMap::new(),
                },
            ));
        }
        if let Some((_, last)) = found.last_mut() {
            last.verdicts.insert(key, verdict);
        }
    }
    Ok(found.into_iter().map(|(_, review)| review).collect())
}

/// Where a call with bounds stands: its counted reviews' signals and what it needs.
#[derive(Debug, Clone, Serialize)]
pub struct Standing {
    pub bounds: Bounds,
    pub done: i32,
    pub required: i32,
    pub need: Need,
    pub signals: Signals,
}

/// The standing of a call (`None`: its overlap is fixed), from the facts in the database and
/// the owner's thresholds.
pub fn standing(conn: &mut DbConnection, recording: &RecordingId) -> QueryResult<Option<Standing>> {
    let (min, max, done): (Option<i32>, Option<i32>, i32) = recordings::table
        .find(recording)
        .select((
            recordings::reviews_min,
            recordings::reviews_max,
            recordings::reviews_done,
        ))
        .first(conn)?;
    let (Some(min), Some(max)) = (min, max) else {
        return Ok(None);
    };
    let bounds = Bounds { min, max };
    let thresholds = Thresholds::of(&OrgSettings::load(conn)?);
    let leased = crate::assignments::pool::leased(conn, recording)?;
    let reviews = counted_reviews(conn, recording)?;
    let reviewers: Vec<UserId> = reviews.iter().map(|r| r.reviewer.clone()).collect();
    let scored = if thresholds.trust_steps > 0 {
        super::gold::scored_counts(conn, &reviewers)?
    } else {
        HashMap::new()
    };
    let model = weighted::load(conn, &reviewers)?;
    let mut signals = signals(
        &reviews,
        |reviewer| scored.get(reviewer).copied().unwrap_or(0) >= thresholds.trust_steps,
        |_, given| model.step(given).confidence.unwrap_or(0.0),
        thresholds.confidence,
    );
    let critical: Vec<String> = steps::table
        .inner_join(recordings::table.on(recordings::script_version_id.eq(steps::version_id)))
        .filter(recordings::id.eq(recording))
        .filter(steps::critical.eq(true))
        .select(steps::step_key)
        .load(conn)?;
    signals.critical_unconfirmed = critical_unconfirmed(&reviews, &critical);
    let leased = i32::try_from(leased).unwrap_or(i32::MAX);
    let (required, need) = required(bounds, done, leased, &signals);
    Ok(Some(Standing {
        bounds,
        done,
        required,
        need,
        signals,
    }))
}

/// Sets the reviews a call with bounds requires now (see the module's rule); returns its
/// standing. The caller holds the call's pool shard and refreshes the call's pool entry after.
pub fn settle(conn: &mut DbConnection, recording: &RecordingId) -> QueryResult<Option<Standing>> {
    let Some(standing) = standing(conn, recording)? else {
        return Ok(None);
    };
    diesel::update(recordings::table.find(recording))
        .set(recordings::reviews_required.eq(standing.required))
        .execute(conn)?;
    Ok(Some(standing))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Verdict::{Correct as C, Incorrect as I};

    const BOUNDS: Bounds = Bounds { min: 1, max: 3 };

    fn unsure() -> Signals {
        Signals {
            untrusted: true,
            ..Signals::default()
        }
    }

    #[test]
    fn the_minimum_comes_first_and_a_sure_answer_finishes_the_call() {
        let sure = Signals::default();
        assert_eq!(required(BOUNDS, 0, 0, &sure), (1, Need::Minimum));
        assert_eq!(
            required(Bounds { min: 2, max: 3 }, 1, 0, &unsure()),
            (2, Need::Minimum)
        );
        assert_eq!(required(BOUNDS, 1, 0, &sure), (1, Need::Settled));
        assert_eq!(required(BOUNDS, 2, 0, &sure), (2, Need::Settled));
    }

    #[test]
    fn an_unsure_answer_asks_for_one_more_but_never_above_the_maximum() {
        assert_eq!(required(BOUNDS, 1, 0, &unsure()), (2, Need::Another));
        assert_eq!(required(BOUNDS, 2, 0, &unsure()), (3, Need::Another));
        assert_eq!(required(BOUNDS, 3, 0, &unsure()), (3, Need::AtMaximum));
        let fixed_at_one = Bounds { min: 1, max: 1 };
        assert_eq!(
            required(fixed_at_one, 1, 0, &unsure()),
            (1, Need::AtMaximum)
        );
    }

    #[test]
    fn leases_out_are_never_taken_away() {
        // Two reviewers hold the call while the first review settles it.
        assert_eq!(required(BOUNDS, 1, 2, &Signals::default()).0, 3);
        assert_eq!(required(BOUNDS, 1, 1, &unsure()).0, 2);
        // A restored review above the maximum.
        assert_eq!(required(BOUNDS, 4, 0, &unsure()).0, 4);
    }

    fn review(reviewer: &str, verdicts: &[(&str, Verdict)]) -> CountedReview {
        CountedReview {
            reviewer: UserId::from_raw(reviewer),
            verdicts: verdicts
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect(),
        }
    }

    #[test]
    fn signals_name_the_untrusted_the_disputed_and_the_unsure() {
        let all = |_: &UserId| true;
        let model = weighted::Model::majority();
        let majority =
            |_: &str, given: &[(&UserId, Verdict)]| model.step(given).confidence.unwrap_or(0.0);
        let one = [review("anna", &[("greet", C), ("offer", I)])];
        assert_eq!(signals(&one, all, majority, 0.9), Signals::default());
        let nobody = |_: &UserId| false;
        assert!(signals(&one, nobody, majority, 0.9).untrusted);

        let two = [
            review("anna", &[("greet", C), ("offer", I)]),
            review("boris", &[("greet", C), ("offer", C)]),
        ];
        let found = signals(&two, all, majority, 0.9);
        assert_eq!(found.disagreements, ["offer"]);
        assert_eq!(found.unsure, ["offer"], "a tie has no confidence");
        // Two of three agree: 0.67 is below 0.9, but above 0.6.
        let three = [
            review("anna", &[("offer", I)]),
            review("boris", &[("offer", C)]),
            review("clara", &[("offer", C)]),
        ];
        assert_eq!(signals(&three, all, majority, 0.9).unsure, ["offer"]);
        assert!(signals(&three, all, majority, 0.6).unsure.is_empty());
    }

    #[test]
    fn a_critical_failure_waits_for_a_second_reviewer() {
        let critical = ["notice".to_owned()];
        let alone = [review("anna", &[("notice", I), ("offer", I)])];
        assert_eq!(critical_unconfirmed(&alone, &critical), ["notice"]);
        let confirmed = [
            review("anna", &[("notice", I)]),
            review("boris", &[("notice", I)]),
        ];
        assert!(critical_unconfirmed(&confirmed, &critical).is_empty());
        let passed = [review("anna", &[("notice", C), ("offer", I)])];
        assert!(critical_unconfirmed(&passed, &critical).is_empty());
    }
}
