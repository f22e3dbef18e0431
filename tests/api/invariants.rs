//! What must hold in a test server's database whatever the test did, checked when its
//! [`TestApp`](crate::helpers::TestApp) is dropped (see [`violations`]):
//!
//! - no call has more reviews than it needs, nor more reviews and held leases together, and
//!   its `reviews_done` counter is the number of reviews stored — counting only reviews that
//!   are `accepted` and not gold (control) reviews, and only leases that are not on a gold
//!   call (a gold review takes no slot, a rejected one gives its slot back);
//! - no reviewer holds two live leases (active and not yet run out);
//! - the assignment pool is exactly what `callqa::assignments::pool::refresh` derives from
//!   the facts — every ready recording with a slot that neither a review nor an active lease
//!   (run out or not: it counts until a draw reclaims it) takes, and nothing else — each call
//!   in the shard its id picks (the last hex digit of the id, 0 if none) and the part of its
//!   script's language, each part (a language in a shard) numbered densely from 0 with its
//!   size row matching, and one lock row per shard, `0..16`;
//! - no job is left running.
//!
//! The rules are restated here from the stored words, not taken from the product's code, so
//! a change to the product's rules shows up as a violation rather than moving both sides.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use callqa::db::DbConnection;
use callqa::db::schema::{
    assignment_pool, assignment_pool_parts, assignment_pool_shards, assignments, jobs, recordings,
    reviews, script_versions, scripts,
};
use callqa::db::time::{Timestamp, now};
use diesel::{Connection, QueryDsl, QueryResult, RunQueryDsl};

/// A part of the pool: a language and a shard.
pub type Part = (String, i32);

/// The shard the product puts a call in, restated: the last character of its id as a hex
/// digit, 0 when it is none.
pub fn shard_of(recording: &str) -> i32 {
    recording
        .chars()
        .last()
        .and_then(|c| c.to_digit(16))
        .map_or(0, |d| d as i32)
}

/// One broken invariant, with what the database holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// More reviews stored for a call than it requires.
    OverReviewed {
        recording: String,
        reviews: i64,
        required: i32,
    },
    /// Reviews and active leases of a call together exceed what it requires.
    OverHeld {
        recording: String,
        reviews: i64,
        leases: i64,
        required: i32,
    },
    /// The recording's `reviews_done` differs from the reviews stored for it.
    CounterDrift {
        recording: String,
        counter: i32,
        reviews: i64,
    },
    /// A reviewer holds more than one live lease.
    SeveralLiveLeases { reviewer: String, leases: usize },
    /// A recording that belongs in the pool is not in it.
    MissingFromPool { recording: String },
    /// A recording is in the pool that does not belong there (or does not exist).
    StrayInPool { recording: String },
    /// A call is in another language's part of the pool than its script's language.
    WrongLanguage {
        recording: String,
        pooled: String,
        script: String,
    },
    /// A call is in another shard of the pool than its id picks.
    WrongShard {
        recording: String,
        pooled: i32,
        expected: i32,
    },
    /// A part's slots (a language in a shard) are not `0..n`.
    SlotsNotDense { part: Part, slots: Vec<i32> },
    /// A part's size row does not count its rows in the pool (`None`: no size row).
    WrongPartSize {
        part: Part,
        size: Option<i32>,
        rows: usize,
    },
    /// The shards' lock rows are not `0..16`.
    WrongShardRows { shards: Vec<i32> },
    /// A job is still marked running.
    JobRunning {
        job: String,
        kind: String,
        locked_by: Option<String>,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::OverReviewed {
                recording,
                reviews,
                required,
            } => write!(
                f,
                "call {recording} has {reviews} reviews but requires {required}"
            ),
            Violation::OverHeld {
                recording,
                reviews,
                leases,
                required,
            } => write!(
                f,
                "call {recording} has {reviews} reviews and {leases} active leases but requires {required}"
            ),
            Violation::CounterDrift {
                recording,
                counter,
                reviews,
            } => write!(
                f,
                "call {recording} counts {counter} reviews done but {reviews} are stored"
            ),
            Violation::SeveralLiveLeases { reviewer, leases } => {
                write!(f, "reviewer {reviewer} holds {leases} live leases")
            }
            Violation::MissingFromPool { recording } => {
                write!(f, "call {recording} needs a review but is not in the pool")
            }
            Violation::StrayInPool { recording } => {
                write!(
                    f,
                    "call {recording} is in the pool but may not be handed out"
                )
            }
            Violation::WrongLanguage {
                recording,
                pooled,
                script,
            } => write!(
                f,
                "call {recording} is pooled as {pooled} but its script is in {script}"
            ),
            Violation::WrongShard {
                recording,
                pooled,
                expected,
            } => write!(
                f,
                "call {recording} is pooled in shard {pooled} but its id picks {expected}"
            ),
            Violation::SlotsNotDense {
                part: (language, shard),
                slots,
            } => write!(
                f,
                "the pool's {language} slots of shard {shard} are not numbered from 0 \
                 densely: {slots:?}"
            ),
            Violation::WrongPartSize {
                part: (language, shard),
                size: Some(size),
                rows,
            } => write!(
                f,
                "the pool's {language} size row of shard {shard} says {size} but it has \
                 {rows} rows"
            ),
            Violation::WrongPartSize {
                part: (language, shard),
                size: None,
                rows,
            } => write!(
                f,
                "the pool has no {language} size row for shard {shard} (and {rows} rows)"
            ),
            Violation::WrongShardRows { shards } => {
                write!(f, "the pool's shard lock rows are {shards:?}, not 0..16")
            }
            Violation::JobRunning {
                job,
                kind,
                locked_by,
            } => write!(
                f,
                "job {job} ({kind}) is still running, held by {}",
                locked_by.as_deref().unwrap_or("no worker")
            ),
        }
    }
}

/// Whether any job is still to do: queued (a worker may claim it any moment) or running.
pub fn jobs_pending(conn: &mut DbConnection) -> QueryResult<bool> {
    let pending: i64 = jobs::table
        .filter(diesel::ExpressionMethods::eq_any(
            jobs::status,
            ["queued", "running"],
        ))
        .count()
        .get_result(conn)?;
    Ok(pending > 0)
}

/// Every broken invariant, read from one consistent view of the database (a server may still
/// be writing). `check_jobs: false` leaves running jobs out, for a test that ends while one
/// legitimately runs.
pub fn violations(conn: &mut DbConnection, check_jobs: bool) -> QueryResult<Vec<Violation>> {
    conn.transaction(|conn| {
        if !conn.is_sqlite() {
            // PostgreSQL: one snapshot for every read below. (SQLite's read transaction is
            // one snapshot already.)
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(conn)?;
        }
        let mut found = Vec::new();
        calls(conn, &mut found)?;
        if check_jobs {
            running_jobs(conn, &mut found)?;
        }
        Ok(found)
    })
}

/// The review, lease and pool invariants.
fn calls(conn: &mut DbConnection, found: &mut Vec<Violation>) -> QueryResult<()> {
    let calls: Vec<(String, String, i32, i32, Option<String>)> = recordings::table
        .select((
            recordings::id,
            recordings::status,
            recordings::reviews_required,
            recordings::reviews_done,
            recordings::sample,
        ))
        .order(recordings::id)
        .load(conn)?;
    let mut reviews_of: BTreeMap<String, i64> = BTreeMap::new();
    for recording in reviews::table
        .filter(diesel::ExpressionMethods::eq(reviews::status, "accepted"))
        .filter(diesel::ExpressionMethods::eq(reviews::gold, false))
        // A dispute's blind re-review takes no slot of the call.
        .filter(diesel::ExpressionMethods::is_null(reviews::dispute_id))
        .select(reviews::recording_id)
        .load::<String>(conn)?
    {
        *reviews_of.entry(recording).or_default() += 1;
    }
    let leases: Vec<(String, String, String, Timestamp, bool, Option<String>)> = assignments::table
        .select((
            assignments::recording_id,
            assignments::reviewer_id,
            assignments::status,
            assignments::expires_at,
            assignments::gold,
            assignments::dispute_id,
        ))
        .load(conn)?;
    let at = now();
    let mut active_of: BTreeMap<&str, i64> = BTreeMap::new();
    let mut live_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (recording, reviewer, status, expires_at, gold, dispute) in &leases {
        if status == "active" {
            if !gold && dispute.is_none() {
                *active_of.entry(recording).or_default() += 1;
            }
            if *expires_at > at {
                *live_of.entry(reviewer).or_default() += 1;
            }
        }
    }

    let mut belongs = BTreeSet::new();
    for (id, status, required, done, sample) in &calls {
        let reviews = reviews_of.get(id).copied().unwrap_or(0);
        let leases = active_of.get(id.as_str()).copied().unwrap_or(0);
        if reviews > i64::from(*required) {
            found.push(Violation::OverReviewed {
                recording: id.clone(),
                reviews,
                required: *required,
            });
        }
        if reviews + leases > i64::from(*required) {
            found.push(Violation::OverHeld {
                recording: id.clone(),
                reviews,
                leases,
                required: *required,
            });
        }
        if i64::from(*done) != reviews {
            found.push(Violation::CounterDrift {
                recording: id.clone(),
                counter: *done,
                reviews,
            });
        }
        // What `pool::refresh` decides: ready, in review (not held for or left out of a
        // sample), and a slot neither done nor leased.
        if status == "ready"
            && sample.is_none()
            && i64::from(*required) - i64::from(*done) - leases > 0
        {
            belongs.insert(id.clone());
        }
    }
    for (reviewer, leases) in live_of {
        if leases > 1 {
            found.push(Violation::SeveralLiveLeases {
                reviewer: reviewer.to_owned(),
                leases,
            });
        }
    }

    let pool: Vec<(String, i32, i32, String)> = assignment_pool::table
        .select((
            assignment_pool::language,
            assignment_pool::shard,
            assignment_pool::slot,
            assignment_pool::recording_id,
        ))
        .order((
            assignment_pool::language,
            assignment_pool::shard,
            assignment_pool::slot,
        ))
        .load(conn)?;
    let pooled: BTreeSet<String> = pool.iter().map(|(_, _, _, r)| r.clone()).collect();
    for recording in belongs.difference(&pooled) {
        found.push(Violation::MissingFromPool {
            recording: recording.clone(),
        });
    }
    for recording in pooled.difference(&belongs) {
        found.push(Violation::StrayInPool {
            recording: recording.clone(),
        });
    }
    for (_, shard, _, recording) in &pool {
        if shard_of(recording) != *shard {
            found.push(Violation::WrongShard {
                recording: recording.clone(),
                pooled: *shard,
                expected: shard_of(recording),
            });
        }
    }
    let language_of: BTreeMap<String, String> = recordings::table
        .inner_join(script_versions::table.inner_join(scripts::table))
        .select((recordings::id, scripts::language))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    for (language, _, _, recording) in &pool {
        if let Some(script) = language_of.get(recording)
            && script != language
        {
            found.push(Violation::WrongLanguage {
                recording: recording.clone(),
                pooled: language.clone(),
                script: script.clone(),
            });
        }
    }
    let mut slots_of: BTreeMap<Part, Vec<i32>> = BTreeMap::new();
    for (language, shard, slot, _) in &pool {
        slots_of
            .entry((language.clone(), *shard))
            .or_default()
            .push(*slot);
    }
    for (part, slots) in &slots_of {
        if !slots.iter().copied().eq(0..slots.len() as i32) {
            found.push(Violation::SlotsNotDense {
                part: part.clone(),
                slots: slots.clone(),
            });
        }
    }
    let part_sizes: BTreeMap<Part, i32> = assignment_pool_parts::table
        .select((
            assignment_pool_parts::language,
            assignment_pool_parts::shard,
            assignment_pool_parts::size,
        ))
        .load::<(String, i32, i32)>(conn)?
        .into_iter()
        .map(|(language, shard, size)| ((language, shard), size))
        .collect();
    let parts: BTreeSet<&Part> = part_sizes.keys().chain(slots_of.keys()).collect();
    for part in parts {
        let rows = slots_of.get(part).map_or(0, Vec::len);
        let size = part_sizes.get(part).copied();
        // A part that emptied keeps its row, at 0.
        if size.unwrap_or(0) != rows as i32 {
            found.push(Violation::WrongPartSize {
                part: part.clone(),
                size,
                rows,
            });
        }
    }
    let shards: Vec<i32> = assignment_pool_shards::table
        .select(assignment_pool_shards::shard)
        .order(assignment_pool_shards::shard)
        .load(conn)?;
    if !shards.iter().copied().eq(0..16) {
        found.push(Violation::WrongShardRows { shards });
    }
    Ok(())
}

fn running_jobs(conn: &mut DbConnection, found: &mut Vec<Violation>) -> QueryResult<()> {
    let running: Vec<(String, String, Option<String>)> = jobs::table
        .filter(diesel::ExpressionMethods::eq(jobs::status, "running"))
        .select((jobs::id, jobs::kind, jobs::locked_by))
        .order(jobs::id)
        .load(conn)?;
    found.extend(
        running
            .into_iter()
            .map(|(job, kind, locked_by)| Violation::JobRunning {
                job,
                kind,
                locked_by,
            }),
    );
    Ok(())
}

/// The check is not blind: each kind of damage written straight into a real test database
/// is reported exactly, and once it is repaired nothing is.
#[tokio::test]
async fn each_broken_invariant_is_reported_and_none_once_repaired() {
    use callqa::db::ids::{AssignmentId, ReviewId};
    use diesel::{ExpressionMethods, OptionalExtension};
    use serde_json::{Value, json};

    use crate::helpers::{Invitee, spawn_app_with, test_settings};

    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(dir.path());
    settings.min_listen_ratio = 0.0;
    let app = spawn_app_with(settings, dir).await;
    let owner = app.owner().await;
    let rita = app.invited(&owner, Invitee::Reviewer, "rita").await;
    let rob = app.invited(&owner, Invitee::Reviewer, "rob").await;
    let operator = app.operator_record(&owner, "Olga").await;
    let script = app.script(&owner).await;
    // One call needing one review, which Rita gives; two needing three, nobody on them yet.
    let reviewed = app.ready_calls(&owner, &operator, &script, 1, 1).await[0].clone();
    let task: Value = app
        .post_json("/api/v1/assignments/next", Some(&rita.token), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let verdicts: Vec<Value> = crate::helpers::all_correct(&task);
    let code = task["code"].as_str().unwrap();
    let response = app
        .post_json(
            &format!("/api/v1/assignments/{code}/review"),
            Some(&rita.token),
            &json!({ "verdicts": verdicts }),
        )
        .await;
    assert_eq!(response.status(), 201);
    let waiting = app.ready_calls(&owner, &operator, &script, 2, 3).await;
    assert_eq!(app.invariant_violations(), [], "a consistent database");

    let mut conn = app.connect_db();
    let at = now();
    let version: String = reviews::table
        .select(reviews::script_version_id)
        .first(&mut conn)
        .unwrap();

    // A second review of the call that needed one, past the counter.
    let extra = AssignmentId::random().to_string();
    diesel::insert_into(assignments::table)
        .values((
            assignments::id.eq(&extra),
            assignments::code.eq("extra-code"),
            assignments::recording_id.eq(&reviewed),
            assignments::reviewer_id.eq(&rob.id),
            assignments::status.eq("submitted"),
            assignments::assigned_at.eq(at),
            assignments::expires_at.eq(at),
            assignments::finished_at.eq(Some(at)),
        ))
        .execute(&mut conn)
        .unwrap();
    diesel::insert_into(reviews::table)
        .values((
            reviews::id.eq(ReviewId::random().to_string()),
            reviews::assignment_id.eq(&extra),
            reviews::recording_id.eq(&reviewed),
            reviews::reviewer_id.eq(&rob.id),
            reviews::script_version_id.eq(&version),
            reviews::submitted_at.eq(at),
        ))
        .execute(&mut conn)
        .unwrap();
    assert_eq!(
        app.invariant_violations(),
        [
            Violation::OverReviewed {
                recording: reviewed.clone(),
                reviews: 2,
                required: 1,
            },
            Violation::OverHeld {
                recording: reviewed.clone(),
                reviews: 2,
                leases: 0,
                required: 1,
            },
            Violation::CounterDrift {
                recording: reviewed.clone(),
                counter: 1,
                reviews: 2,
            },
        ]
    );
    diesel::delete(reviews::table.filter(reviews::assignment_id.eq(&extra)))
        .execute(&mut conn)
        .unwrap();
    diesel::delete(assignments::table.find(&extra))
        .execute(&mut conn)
        .unwrap();
    assert_eq!(app.invariant_violations(), []);

    // Where the pool's rows are: each call's shard is random (its id's), so the test reads
    // the parts it breaks.
    let rows_in = |conn: &mut DbConnection, language: &str, shard: i32| -> i32 {
        assignment_pool::table
            .filter(assignment_pool::language.eq(language))
            .filter(assignment_pool::shard.eq(shard))
            .count()
            .get_result::<i64>(conn)
            .unwrap() as i32
    };
    let size_of = |conn: &mut DbConnection, language: &str, shard: i32| -> Option<i32> {
        assignment_pool_parts::table
            .find((language, shard))
            .select(assignment_pool_parts::size)
            .first(conn)
            .optional()
            .unwrap()
    };
    let part = |language: &str, shard: i32| (language.to_owned(), shard);

    // The reviewed call back in the pool, at the next slot of its part, the size not told.
    let shard = shard_of(&reviewed);
    let next = rows_in(&mut conn, "ru", shard);
    diesel::insert_into(assignment_pool::table)
        .values((
            assignment_pool::language.eq("ru"),
            assignment_pool::shard.eq(shard),
            assignment_pool::slot.eq(next),
            assignment_pool::recording_id.eq(&reviewed),
        ))
        .execute(&mut conn)
        .unwrap();
    assert_eq!(
        app.invariant_violations(),
        [
            Violation::StrayInPool {
                recording: reviewed.clone(),
            },
            Violation::WrongPartSize {
                part: part("ru", shard),
                size: size_of(&mut conn, "ru", shard),
                rows: next as usize + 1,
            },
        ]
    );
    diesel::delete(assignment_pool::table.find(("ru", shard, next)))
        .execute(&mut conn)
        .unwrap();
    assert_eq!(app.invariant_violations(), []);

    // A waiting call dropped from the pool.
    let dropped = waiting[0].clone();
    let shard = shard_of(&dropped);
    let slot: i32 = assignment_pool::table
        .filter(assignment_pool::recording_id.eq(&dropped))
        .select(assignment_pool::slot)
        .first(&mut conn)
        .unwrap();
    let rows = rows_in(&mut conn, "ru", shard);
    diesel::delete(assignment_pool::table.find(("ru", shard, slot)))
        .execute(&mut conn)
        .unwrap();
    let mut expected = vec![Violation::MissingFromPool {
        recording: dropped.clone(),
    }];
    if slot != rows - 1 {
        // Not the part's last: a hole.
        expected.push(Violation::SlotsNotDense {
            part: part("ru", shard),
            slots: (0..rows).filter(|s| *s != slot).collect(),
        });
    }
    expected.push(Violation::WrongPartSize {
        part: part("ru", shard),
        size: Some(rows),
        rows: rows as usize - 1,
    });
    assert_eq!(app.invariant_violations(), expected);
    let put_back = |conn: &mut DbConnection, language: &str, shard: i32, slot: i32| {
        diesel::insert_into(assignment_pool::table)
            .values((
                assignment_pool::language.eq(language),
                assignment_pool::shard.eq(shard),
                assignment_pool::slot.eq(slot),
                assignment_pool::recording_id.eq(&dropped),
            ))
            .execute(conn)
            .unwrap();
    };
    put_back(&mut conn, "ru", shard, slot);
    assert_eq!(app.invariant_violations(), []);

    // The same call past the end of its part, leaving a hole where it was.
    diesel::update(assignment_pool::table.find(("ru", shard, slot)))
        .set(assignment_pool::slot.eq(rows + 4))
        .execute(&mut conn)
        .unwrap();
    let mut slots: Vec<i32> = (0..rows).filter(|s| *s != slot).collect();
    slots.push(rows + 4);
    assert_eq!(
        app.invariant_violations(),
        [Violation::SlotsNotDense {
            part: part("ru", shard),
            slots,
        }]
    );
    diesel::delete(assignment_pool::table.filter(assignment_pool::recording_id.eq(&dropped)))
        .execute(&mut conn)
        .unwrap();
    put_back(&mut conn, "ru", shard, slot);
    assert_eq!(app.invariant_violations(), []);

    // A call moved by hand to slot 0 of an empty part: of another shard than its id picks,
    // then of another language than its script's. Its own part loses a row (and has a hole
    // unless it was the last), and neither part's size is told.
    let moved = waiting[1].clone();
    let shard = shard_of(&moved);
    let slot: i32 = assignment_pool::table
        .filter(assignment_pool::recording_id.eq(&moved))
        .select(assignment_pool::slot)
        .first(&mut conn)
        .unwrap();
    let rows = rows_in(&mut conn, "ru", shard);
    let other = (0..16)
        .find(|s| *s != shard && rows_in(&mut conn, "ru", *s) == 0)
        .unwrap();
    let move_to = |conn: &mut DbConnection, language: &str, to: i32, at: i32| {
        diesel::update(assignment_pool::table.filter(assignment_pool::recording_id.eq(&moved)))
            .set((
                assignment_pool::language.eq(language),
                assignment_pool::shard.eq(to),
                assignment_pool::slot.eq(at),
            ))
            .execute(conn)
            .unwrap();
    };
    let hole = (slot != rows - 1).then(|| Violation::SlotsNotDense {
        part: part("ru", shard),
        slots: (0..rows).filter(|s| *s != slot).collect(),
    });
    let own_part = Violation::WrongPartSize {
        part: part("ru", shard),
        size: Some(rows),
        rows: rows as usize - 1,
    };
    let new_part = |language: &str, to: i32, size| Violation::WrongPartSize {
        part: part(language, to),
        size,
        rows: 1,
    };

    let other_size = size_of(&mut conn, "ru", other);
    move_to(&mut conn, "ru", other, 0);
    let mut expected = vec![Violation::WrongShard {
        recording: moved.clone(),
        pooled: other,
        expected: shard,
    }];
    expected.extend(hole.clone());
    let mut sizes = vec![new_part("ru", other, other_size), own_part.clone()];
    if other > shard {
        sizes.reverse();
    }
    expected.extend(sizes);
    assert_eq!(app.invariant_violations(), expected);

    let english_size = size_of(&mut conn, "en", shard);
    move_to(&mut conn, "en", shard, 0);
    let mut expected = vec![Violation::WrongLanguage {
        recording: moved.clone(),
        pooled: "en".into(),
        script: "ru".into(),
    }];
    expected.extend(hole);
    expected.extend([new_part("en", shard, english_size), own_part]);
    assert_eq!(app.invariant_violations(), expected);
    move_to(&mut conn, "ru", shard, slot);
    assert_eq!(app.invariant_violations(), []);

    // Rob holding both waiting calls at once, each still with a slot free.
    let later = at + time::Duration::hours(1);
    for (n, recording) in waiting.iter().enumerate() {
        diesel::insert_into(assignments::table)
            .values((
                assignments::id.eq(AssignmentId::random().to_string()),
                assignments::code.eq(format!("lease-{n}")),
                assignments::recording_id.eq(recording),
                assignments::reviewer_id.eq(&rob.id),
                assignments::status.eq("active"),
                assignments::assigned_at.eq(at),
                assignments::expires_at.eq(later),
            ))
            .execute(&mut conn)
            .unwrap();
    }
    assert_eq!(
        app.invariant_violations(),
        [Violation::SeveralLiveLeases {
            reviewer: rob.id.clone(),
            leases: 2,
        }]
    );
    // Run out, the two leases are no longer live (and still hold their slots).
    diesel::update(assignments::table.filter(assignments::reviewer_id.eq(&rob.id)))
        .set(assignments::expires_at.eq(at - time::Duration::minutes(1)))
        .execute(&mut conn)
        .unwrap();
    assert_eq!(app.invariant_violations(), []);
    diesel::delete(assignments::table.filter(assignments::reviewer_id.eq(&rob.id)))
        .execute(&mut conn)
        .unwrap();

    // A job whose worker is gone, left running.
    let job = orphan_job(&mut conn);
    assert_eq!(
        app.invariant_violations(),
        [Violation::JobRunning {
            job: job.clone(),
            kind: "process_recording".to_owned(),
            locked_by: Some("gone-0".to_owned()),
        }]
    );
    assert_eq!(
        violations(&mut conn, false).unwrap(),
        [],
        "left out when the test expects unfinished jobs"
    );
    diesel::update(jobs::table.find(&job))
        .set(jobs::status.eq("done"))
        .execute(&mut conn)
        .unwrap();
    assert_eq!(app.invariant_violations(), []);
}

/// And the check runs by itself: a test that passes but leaves a broken invariant behind
/// fails when its app is dropped.
#[tokio::test]
#[should_panic(expected = "the test left the database breaking its invariants")]
async fn a_test_leaving_a_broken_invariant_fails_when_its_app_is_dropped() {
    let app = crate::helpers::spawn_app().await;
    let mut conn = app.connect_db();
    lying_part_size(&mut conn);
}

/// A job claimed by a worker that is gone, its claim good for another hour (no worker of the
/// test's server takes it over meanwhile); returns its id.
fn orphan_job(conn: &mut DbConnection) -> String {
    use diesel::ExpressionMethods;

    let id = callqa::db::ids::JobId::random().to_string();
    let at = now();
    diesel::insert_into(jobs::table)
        .values((
            jobs::id.eq(&id),
            jobs::kind.eq("process_recording"),
            jobs::status.eq("running"),
            jobs::attempts.eq(1),
            jobs::run_after.eq(at),
            jobs::locked_by.eq("gone-0"),
            jobs::locked_until.eq(at + time::Duration::hours(1)),
            jobs::created_at.eq(at),
            jobs::updated_at.eq(at),
        ))
        .execute(conn)
        .unwrap();
    id
}

/// A test that says it ends with a job running passes with one left running…
#[tokio::test]
async fn a_test_expecting_unfinished_jobs_may_leave_one_running() {
    let app = crate::helpers::spawn_app().await;
    let job = orphan_job(&mut app.connect_db());
    // The worker holding it is gone and its claim outlives the test: it stays running.
    app.expect_unfinished_jobs();
    assert!(
        matches!(&app.invariant_violations()[..], [Violation::JobRunning { job: running, .. }] if *running == job),
        "still reported when asked"
    );
}

/// …but every other invariant is still checked.
#[tokio::test]
#[should_panic(expected = "the pool's ru size row of shard 5 says 1 but it has 0 rows")]
async fn expecting_unfinished_jobs_leaves_the_other_invariants_checked() {
    let app = crate::helpers::spawn_app().await;
    let mut conn = app.connect_db();
    orphan_job(&mut conn);
    app.expect_unfinished_jobs();
    lying_part_size(&mut conn);
}

/// Says the (empty) Russian part of shard 5 holds a call.
fn lying_part_size(conn: &mut DbConnection) {
    use diesel::ExpressionMethods;

    diesel::insert_into(assignment_pool_parts::table)
        .values((
            assignment_pool_parts::language.eq("ru"),
            assignment_pool_parts::shard.eq(5),
            assignment_pool_parts::size.eq(1),
        ))
        .execute(conn)
        .unwrap();
}
