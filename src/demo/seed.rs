//! Seeding a running application with the demo (see [`super::content`]). Everything goes
//! through the domain functions: accounts, operator records, scripts and their versions,
//! uploads by [`intake`], the server's own workers building the reviewer copies, random
//! assignment and submitted reviews.

use std::collections::HashMap;
use std::fmt::Display;
use std::time::{Duration, Instant};

use super::Audio;
use super::content::{
    self, DemoAccount, DemoCall, Language, Mark, OPERATORS, RESOLVED_BY_VERSION_TWO,
};
use crate::accounts::User;
use crate::accounts::operators::OperatorRecord;
use crate::accounts::users::NewUser;
use crate::db::DbConnection;
use crate::db::ids::{OperatorId, RecordingId, ScriptId, UserId};
use crate::db::time::{rfc3339, to_timestamp};
use crate::gaps::{self, GapFilter, GapStatus};
use crate::http::AppState;
use crate::org_settings::OrgSettings;
use crate::recordings::intake::{self, RawMetadata, Receiver};
use crate::recordings::{Recording, RecordingStatus};
use crate::reviews::validate::{Verdict, VerdictInput};
use crate::scripts::{self, NewVersion, Script};

/// How long the reviewer copies of a batch of calls may take to build.
const PROCESSING_TIMEOUT: Duration = Duration::from_secs(300);

/// What the seeding made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeded {
    pub recordings: usize,
    pub reviews: usize,
    pub open_gaps: usize,
}

fn failed<E: Display>(what: &'static str) -> impl Fn(E) -> String {
    move |error| format!("{what}: {error}")
}

/// Seeds an application whose database has no accounts yet; `progress` hears what is going
/// on (a line at a time). Blocking: waits for the server's workers to process the calls.
pub fn seed(state: &AppState, progress: &mut dyn FnMut(&str)) -> Result<Seeded, String> {
    let mut conn = state.db.get().map_err(failed("database"))?;
    let conn = &mut *conn;
    if User::owner_exists(conn).map_err(failed("database"))? {
        return Err(
            "the database already has an owner; the demo is seeded into an empty one".into(),
        );
    }
    let settings = OrgSettings {
        reviews_required: 2,
        review_rate: "50.00".to_owned(),
        currency: "RUB".to_owned(),
        ..OrgSettings::load(conn).map_err(failed("settings"))?
    };
    settings.save(conn).map_err(failed("settings"))?;

    progress("accounts, operators and scripts");
    let owner = create_user(conn, &content::OWNER, None)?;
    let reviewers = [
        create_user(conn, &content::REVIEWERS[0], None)?,
        create_user(conn, &content::REVIEWERS[1], None)?,
    ];
    let mut operators = Vec::new();
    for operator in &OPERATORS {
        let record = OperatorRecord::create(conn, operator.name, Some(operator.extension))
            .map_err(failed("operator"))?;
        operators.push(record.id);
    }
    create_user(
        conn,
        &content::OPERATOR,
        Some(operators[content::LINKED_OPERATOR].clone()),
    )?;
    let russian = create_script(conn, &owner.id, Language::Ru)?;
    let english = create_script(conn, &owner.id, Language::En)?;
    let script_of = |language| match language {
        Language::Ru => russian.id.clone(),
        Language::En => english.id.clone(),
    };

    let (to_review, later): (Vec<&DemoCall>, Vec<&DemoCall>) =
        content::CALLS.iter().partition(|c| c.reviews.is_some());
    progress(&format!(
        "{} calls: building the reviewer copies",
        to_review.len()
    ));
    let mut uploaded: HashMap<RecordingId, &DemoCall> = HashMap::new();
    for call in &to_review {
        let id = upload(
            state,
            conn,
            call,
            &owner.id,
            &operators[call.operator],
            &script_of(call.language),
        )?;
        uploaded.insert(id, call);
    }
    state.workers.wake();
    wait_until_ready(conn, uploaded.keys())?;

    progress("reviews by both reviewers");
    let mut reviews = 0;
    for (index, reviewer) in reviewers.iter().enumerate() {
        reviews += review_all(conn, &reviewer.id, index, &uploaded)?;
    }

    progress("a gold call with its answer key");
    make_one_gold(conn, &owner.id, &uploaded)?;

    progress("version 2 of the Russian script");
    publish_version_two(conn, &owner.id, &russian, &uploaded)?;

    progress(&format!(
        "{} more calls, left for reviewers to do",
        later.len()
    ));
    let mut fresh = Vec::new();
    for call in &later {
        let id = upload(
            state,
            conn,
            call,
            &owner.id,
            &operators[call.operator],
            &script_of(call.language),
        )?;
        fresh.push(id);
    }
    state.workers.wake();
    wait_until_ready(conn, fresh.iter())?;
    // The reviewers' weights, so the demo's consensus shows how sure it is from the start
    // (the server would otherwise fit them a minute after it starts).
    crate::reviews::weighted::refit(conn).map_err(failed("consensus fit"))?;

    let open_gaps = gaps::list(
        conn,
        &GapFilter {
            status: Some(GapStatus::Open),
            ..GapFilter::default()
        },
        gaps::LIST_LIMIT,
    )
    .map_err(failed("gaps"))?
    .len();
    Ok(Seeded {
        recordings: uploaded.len() + fresh.len(),
        reviews,
        open_gaps,
    })
}

/// Makes the first reviewed call gold, its key taken from the consensus: the reviewers page
/// and the call's page then show what gold calls are for.
fn make_one_gold(
    conn: &mut DbConnection,
    owner: &UserId,
    uploaded: &HashMap<RecordingId, &DemoCall>,
) -> Result<(), String> {
    let mut ids: Vec<&RecordingId> = uploaded.keys().collect();
    ids.sort();
    for id in ids {
        let Some(view) =
            crate::dashboards::call_reviews::load(conn, id).map_err(failed("reviews"))?
        else {
            continue;
        };
        if !view.complete {
            continue;
        }
        let key = view.key_or_proposal(id);
        if key
            .answers
            .iter()
            .all(|a| a.verdict == crate::reviews::gold::GoldAnswer::Any)
        {
            continue;
        }
        let input = crate::reviews::gold::KeyInput {
            answers: key
                .answers
                .iter()
                .map(|a| crate::reviews::gold::KeyAnswerInput {
                    step_key: a.step_key.clone(),
                    verdict: a.verdict.as_str().to_owned(),
                })
                .collect(),
        };
        crate::reviews::gold::mark(conn, owner, id, &input).map_err(failed("gold call"))?;
        return Ok(());
    }
    Ok(())
}

fn create_user(
    conn: &mut DbConnection,
    account: &DemoAccount,
    operator: Option<OperatorId>,
) -> Result<User, String> {
    let new = NewUser::parse(
        account.role,
        account.login,
        account.name,
        account.password,
        operator,
    )
    .map_err(failed("account"))?;
    User::create(conn, &new).map_err(failed("account"))
}

fn create_script(
    conn: &mut DbConnection,
    owner: &UserId,
    language: Language,
) -> Result<Script, String> {
    let steps: Vec<_> = content::script_steps(language)
        .iter()
        .map(content::StepText::input)
        .collect();
    let code = match language {
        Language::Ru => "ru",
        Language::En => "en",
    };
    scripts::create(
        conn,
        owner,
        content::script_name(language),
        &steps,
        Some(code),
    )
    .map_err(failed("script"))
}

/// Uploads one call as the owner would: streamed into the store, then accepted with its
/// metadata (which queues its processing).
fn upload(
    state: &AppState,
    conn: &mut DbConnection,
    call: &DemoCall,
    owner: &UserId,
    operator: &OperatorId,
    script: &ScriptId,
) -> Result<RecordingId, String> {
    let audio = Audio::get(call.file).ok_or_else(|| format!("{} is not embedded", call.file))?;
    let mut receiver =
        Receiver::new(&state.store, call.file, u64::MAX).map_err(failed("audio store"))?;
    receiver.write(&audio.data).map_err(failed("audio store"))?;
    let received = receiver.finish().map_err(failed("audio store"))?;
    let raw = RawMetadata {
        operator_id: Some(operator.to_string()),
        script_id: Some(script.to_string()),
        called_at: Some(call_time(call)),
        direction: Some("inbound".to_owned()),
        customer_number: Some(call.customer_number.to_owned()),
        reviews_required: Some(call.reviews_required.to_string()),
    };
    let recording = intake::accept(conn, &state.store, received, &raw, Some(owner))
        .map_err(|e| format!("{}: {e}", call.file))?;
    Ok(recording.id)
}

/// The call's date: `days_ago` days before today, at its hour (UTC).
fn call_time(call: &DemoCall) -> String {
    let day = time::OffsetDateTime::now_utc().date() - time::Duration::days(call.days_ago);
    let at = day
        .with_hms(call.hour, 0, 0)
        .unwrap_or_else(|_| day.midnight());
    rfc3339(to_timestamp(at.assume_utc()))
}

/// Waits for the server's workers to build the reviewer copies.
fn wait_until_ready<'a>(
    conn: &mut DbConnection,
    ids: impl Iterator<Item = &'a RecordingId> + Clone,
) -> Result<(), String> {
    let started = Instant::now();
    loop {
        let mut pending = 0;
        for id in ids.clone() {
            let recording = Recording::find(conn, id)
                .map_err(failed("database"))?
                .ok_or("a demo recording disappeared")?;
            match recording.status {
                RecordingStatus::Ready => {}
                RecordingStatus::Failed => {
                    return Err(format!(
                        "{} could not be processed: {}",
                        recording.original_name,
                        recording.error.unwrap_or_default()
                    ));
                }
                RecordingStatus::Queued | RecordingStatus::Processing => pending += 1,
            }
        }
        if pending == 0 {
            return Ok(());
        }
        if started.elapsed() > PROCESSING_TIMEOUT {
            return Err(format!(
                "{pending} demo call(s) still not processed after {} s (are job workers off?)",
                PROCESSING_TIMEOUT.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The verdicts a plan gives the steps of a call, in step order.
pub fn planned_verdicts(
    steps: &[crate::scripts::Step],
    marks: &[Mark],
    duration_ms: i64,
) -> Vec<VerdictInput> {
    steps
        .iter()
        .enumerate()
        .map(|(position, step)| {
            let mark = marks.iter().find(|m| m.step == position);
            VerdictInput {
                step_id: step.id.to_string(),
                verdict: mark
                    .map_or(Verdict::Correct, |m| m.verdict)
                    .as_str()
                    .to_owned(),
                comment: mark.map(|m| m.comment.to_owned()),
                at_ms: mark.map(|m| m.at_ms.clamp(0, (duration_ms - 1).max(0))),
            }
        })
        .collect()
}

/// Asks for calls as the reviewer until there are none left and grades each by the plan.
fn review_all(
    conn: &mut DbConnection,
    reviewer: &UserId,
    index: usize,
    planned: &HashMap<RecordingId, &DemoCall>,
) -> Result<usize, String> {
    let settings = OrgSettings::load(conn).map_err(failed("settings"))?;
    let mut done = 0;
    let mut rng = rand::rng();
    while let Some(assignment) =
        crate::assignments::next(conn, reviewer, &settings, &mut rng).map_err(failed("assign"))?
    {
        let marks = planned
            .get(&assignment.recording_id)
            .and_then(|call| call.reviews)
            .map(|reviews| reviews[index])
            .ok_or("a call without a review plan was assigned")?;
        let recording = Recording::find(conn, &assignment.recording_id)
            .map_err(failed("database"))?
            .ok_or("a demo recording disappeared")?;
        let steps = scripts::version_steps(conn, &recording.script_version_id)
            .map_err(failed("database"))?;
        let verdicts = planned_verdicts(&steps, marks, recording.duration_ms.unwrap_or(0));
        crate::reviews::submit(conn, reviewer, &assignment.code, &verdicts, None, 0.0)
            .map_err(|e| format!("review of {}: {e}", recording.original_name))?;
        done += 1;
    }
    Ok(done)
}

/// Publishes the reworded Russian script (keys kept, so statistics follow the steps) and
/// marks the instalment gaps it answers as resolved.
fn publish_version_two(
    conn: &mut DbConnection,
    owner: &UserId,
    script: &Script,
    uploaded: &HashMap<RecordingId, &DemoCall>,
) -> Result<(), String> {
    let current = script
        .version
        .as_ref()
        .ok_or("the Russian script has no version")?;
    let (steps, notes) = content::russian_version_two();
    let steps = steps
        .iter()
        .zip(&current.steps)
        .map(|(text, old)| crate::scripts::validate::StepInput {
            key: Some(old.key.clone()),
            ..text.input()
        })
        .collect();
    let answered = gaps::list(
        conn,
        &GapFilter {
            status: Some(GapStatus::Open),
            script_id: Some(script.id.clone()),
            ..GapFilter::default()
        },
        gaps::LIST_LIMIT,
    )
    .map_err(failed("gaps"))?
    .into_iter()
    .filter(|gap| {
        uploaded
            .get(&gap.recording_id)
            .is_some_and(|call| call.file == RESOLVED_BY_VERSION_TWO)
    })
    .map(|gap| gap.id.to_string())
    .collect();
    scripts::publish(
        conn,
        owner,
        &script.id,
        &NewVersion {
            steps,
            notes: Some(notes.to_owned()),
            resolves_gaps: answered,
            rename: None,
        },
    )
    .map_err(failed("script version 2"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::ids::StepId;

    #[test]
    fn unplanned_steps_are_correct_and_times_stay_inside_the_call() {
        let steps: Vec<crate::scripts::Step> = (0..3)
            .map(|position| crate::scripts::Step {
                id: StepId::from_raw(format!("s{position}")),
                key: format!("k{position}"),
                position: position + 1,
                title: "t".into(),
                say: String::new(),
                guidance: String::new(),
                critical: false,
                optional: false,
                weight: None,
            })
            .collect();
        let marks = [Mark {
            step: 1,
            verdict: Verdict::Missing,
            comment: "no answer",
            at_ms: 90_000,
        }];
        let verdicts = planned_verdicts(&steps, &marks, 20_000);
        let words: Vec<&str> = verdicts.iter().map(|v| v.verdict.as_str()).collect();
        assert_eq!(words, ["correct", "missing", "correct"]);
        assert_eq!(verdicts[1].at_ms, Some(19_999));
        assert_eq!(verdicts[1].comment.as_deref(), Some("no answer"));
        assert_eq!(verdicts[0].at_ms, None);
        assert_eq!(verdicts[2].step_id, "s2");
    }
}
