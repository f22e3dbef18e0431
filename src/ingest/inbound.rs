//! Inbound calls: a call known by its external id, however often its PBX (or a script)
//! sends it. The UNIQUE on `inbound_calls.external_id` decides: the first event claims the
//! call, every repeat finds it. A claimed call becomes a recording once its file is here
//! ([`deliver`]) and its operator is known; a call whose extension no operator has waits in
//! the "needs an operator" list, and a file that could not be fetched ends `failed` with the
//! reason, on the owner's list.

use diesel::prelude::*;
use serde::Serialize;

use super::{CallFields, CheckedFields, IngestError, Outcome, Source};
use crate::db::DbConnection;
use crate::db::ids::{InboundId, OperatorId, RecordingId, ScriptId, UserId};
use crate::db::ingest_schema::inbound_calls;
use crate::db::time::{Timestamp, now, rfc3339};
use crate::recordings::intake::{self, RawMetadata, ReceivedFile, StoredOriginal};
use crate::recordings::store::{AudioStore, Kind};
use crate::recordings::{Direction, Recording, jobs};
use crate::validation::FieldProblem;

crate::text_enum! {
    /// Where an inbound call is.
    InboundState {
        /// Its file is being downloaded from the PBX.
        Fetching = "fetching",
        /// Its file is here, but no operator has its extension yet.
        NeedsOperator = "needs_operator",
        /// Its file could not be fetched; `error` says why.
        Failed = "failed",
        /// It is a recording now (`recording_id`).
        Accepted = "accepted",
    }
}

/// An inbound call as the owner sees it (the stored file's name stays inside).
#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = inbound_calls)]
pub struct InboundCall {
    pub id: InboundId,
    pub external_id: String,
    pub source: Source,
    pub source_name: Option<String>,
    pub state: InboundState,
    pub operator_id: Option<OperatorId>,
    pub operator_extension: Option<String>,
    pub script_id: Option<ScriptId>,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::option::serialize")]
    pub called_at: Option<Timestamp>,
    pub direction: Option<Direction>,
    pub customer_number: Option<String>,
    pub outcome: Option<Outcome>,
    pub language: Option<String>,
    pub reviews_required: Option<i32>,
    pub original_name: Option<String>,
    #[serde(skip)]
    pub original_file: Option<String>,
    #[serde(skip)]
    pub content_sha256: Option<String>,
    #[serde(skip)]
    pub size_bytes: Option<i64>,
    pub recording_id: Option<RecordingId>,
    pub error: Option<String>,
    pub attempts: i32,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub created_at: Timestamp,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub updated_at: Timestamp,
}

/// Who sent a call: the source and the key's or connector's name (for the audit log and the
/// owner's list).
#[derive(Debug, Clone)]
pub struct Sender {
    pub source: Source,
    pub name: Option<String>,
}

/// The outcome of claiming an external id.
#[derive(Debug)]
pub enum Claim {
    /// The first time: this event owns the call.
    New(InboundCall),
    /// Sent before: the call as it stands.
    Existing(InboundCall),
}

/// What became of a delivered file.
#[derive(Debug)]
pub enum Delivered {
    Accepted(Recording),
    NeedsOperator(InboundCall),
}

impl InboundCall {
    pub fn find(conn: &mut DbConnection, id: &InboundId) -> QueryResult<Option<InboundCall>> {
        inbound_calls::table
            .find(id)
            .select(InboundCall::as_select())
            .first(conn)
            .optional()
    }

    pub fn by_external_id(
        conn: &mut DbConnection,
        external_id: &str,
    ) -> QueryResult<Option<InboundCall>> {
        inbound_calls::table
            .filter(inbound_calls::external_id.eq(external_id))
            .select(InboundCall::as_select())
            .first(conn)
            .optional()
    }

    /// The fields the call was sent with, for making it a recording.
    fn metadata(&self, operator: &OperatorId, script: &ScriptId) -> RawMetadata {
        RawMetadata {
            operator_id: Some(operator.to_string()),
            script_id: Some(script.to_string()),
            called_at: self.called_at.map(rfc3339),
            direction: self.direction.map(|d| d.as_str().to_owned()),
            customer_number: self.customer_number.clone(),
            reviews_required: self.reviews_required.map(|n| n.to_string()),
        }
    }
}

/// Checks the references of a call's fields: the operator (named, or by an extension that
/// may be unmapped yet; a PBX's event may name neither, and the call then waits for the
/// owner to say whose it is) and the script (named or inferred).
fn references(
    conn: &mut DbConnection,
    sender: &Sender,
    fields: &CheckedFields,
) -> Result<(Option<OperatorId>, ScriptId), IngestError> {
    let mut problems = Vec::new();
    let operator = match (&fields.operator_id, &fields.operator_extension) {
        (Some(id), _) => {
            if crate::accounts::operators::OperatorRecord::exists(conn, id)? {
                Some(id.clone())
            } else {
                problems.push(FieldProblem::new("operator_id", "unknown_operator"));
                None
            }
        }
        (None, Some(extension)) => super::extensions::resolve(conn, extension)?,
        (None, None) => {
            if sender.source == Source::Api {
                problems.push(FieldProblem::new("operator_id", "required"));
            }
            None
        }
    };
    let script = match super::resolve_script(conn, fields.script_id.as_ref(), fields.language) {
        Ok(script) => Some(script),
        Err(IngestError::Invalid(found)) => {
            problems.extend(found);
            None
        }
        Err(other) => return Err(other),
    };
    match script {
        Some(script) if problems.is_empty() => Ok((operator, script)),
        _ => Err(IngestError::Invalid(problems)),
    }
}

/// Claims the call named by `fields.external_id` (required) in `state`: the first claim
/// inserts it, a repeat (also a racing one) gets the call as it stands.
pub fn claim(
    conn: &mut DbConnection,
    sender: &Sender,
    fields: &CheckedFields,
    state: InboundState,
) -> Result<Claim, IngestError> {
    let Some(external_id) = fields.external_id.as_deref() else {
        return Err(FieldProblem::new("external_id", "required").into());
    };
    if let Some(existing) = InboundCall::by_external_id(conn, external_id)? {
        return Ok(Claim::Existing(existing));
    }
    let (operator, script) = references(conn, sender, fields)?;
    let id = InboundId::random();
    let at = now();
    let insert = diesel::insert_into(inbound_calls::table)
        .values((
            inbound_calls::id.eq(&id),
            inbound_calls::external_id.eq(external_id),
            inbound_calls::source.eq(sender.source),
            inbound_calls::source_name.eq(&sender.name),
            inbound_calls::state.eq(state),
            inbound_calls::operator_id.eq(&operator),
            inbound_calls::operator_extension.eq(&fields.operator_extension),
            inbound_calls::script_id.eq(&script),
            inbound_calls::called_at.eq(fields.details.called_at),
            inbound_calls::direction.eq(fields.details.direction),
            inbound_calls::customer_number.eq(&fields.details.customer_number),
            inbound_calls::outcome.eq(fields.outcome),
            inbound_calls::language.eq(fields.language.map(|l| l.code())),
            inbound_calls::reviews_required.eq(fields.details.reviews_required),
            inbound_calls::attempts.eq(0),
            inbound_calls::created_at.eq(at),
            inbound_calls::updated_at.eq(at),
        ))
        .on_conflict_do_nothing();
    let inserted = crate::db::execute_upsert(conn, insert)?;
    let call = if inserted == 1 {
        InboundCall::find(conn, &id)?
    } else {
        InboundCall::by_external_id(conn, external_id)?
    };
    let call = call.ok_or(IngestError::NotFound)?;
    Ok(if inserted == 1 {
        Claim::New(call)
    } else {
        Claim::Existing(call)
    })
}

/// Announces a call whose file is still at the PBX: claims it as `fetching` and queues a
/// fetch job carrying `payload` (what the connector needs to download it), together. A
/// repeat queues nothing, but fills in what the first event did not say while the file is
/// still on its way (a PBX that tells of the recording before the call's end).
pub fn announce(
    conn: &mut DbConnection,
    sender: &Sender,
    fields: &CallFields,
    payload: &str,
) -> Result<Claim, IngestError> {
    let fields = fields.check().map_err(IngestError::Invalid)?;
    conn.write_transaction(
        |conn| match claim(conn, sender, &fields, InboundState::Fetching)? {
            Claim::New(call) => {
                jobs::enqueue_fetch(conn, &call.id, payload)?;
                Ok(Claim::New(call))
            }
            Claim::Existing(call) => Ok(Claim::Existing(fill_in(conn, call, &fields)?)),
        },
    )
}

/// Fills the blanks of a call still being fetched from a repeat's fields (the extension, the
/// time, the direction, the customer); what is known stays. One conditional write per field,
/// so two repeats at once cannot undo each other.
fn fill_in(
    conn: &mut DbConnection,
    call: InboundCall,
    fields: &CheckedFields,
) -> Result<InboundCall, IngestError> {
    if call.state != InboundState::Fetching {
        return Ok(call);
    }
    let mine = || {
        inbound_calls::table
            .find(call.id.clone())
            .filter(inbound_calls::state.eq(InboundState::Fetching))
    };
    let mut changed = 0;
    if call.operator_id.is_none()
        && let Some(extension) = &fields.operator_extension
    {
        changed += diesel::update(mine().filter(inbound_calls::operator_extension.is_null()))
            .set(inbound_calls::operator_extension.eq(extension))
            .execute(conn)?;
    }
    if let Some(at) = fields.details.called_at {
        changed += diesel::update(mine().filter(inbound_calls::called_at.is_null()))
            .set(inbound_calls::called_at.eq(at))
            .execute(conn)?;
    }
    if let Some(direction) = fields.details.direction {
        changed += diesel::update(mine().filter(inbound_calls::direction.is_null()))
            .set(inbound_calls::direction.eq(direction))
            .execute(conn)?;
    }
    if let Some(number) = &fields.details.customer_number {
        changed += diesel::update(mine().filter(inbound_calls::customer_number.is_null()))
            .set(inbound_calls::customer_number.eq(number))
            .execute(conn)?;
    }
    if changed == 0 {
        return Ok(call);
    }
    InboundCall::find(conn, &call.id)?.ok_or(IngestError::NotFound)
}

/// Takes in a call that comes with its file (the ingest API): claims it and delivers the
/// file, or, for a repeat, discards the file and answers with the call as it stands.
pub fn receive(
    conn: &mut DbConnection,
    store: &AudioStore,
    sender: &Sender,
    fields: &CallFields,
    received: ReceivedFile,
    uploaded_by: Option<&UserId>,
) -> Result<(Claim, Option<Delivered>), IngestError> {
    let fields = match fields.check() {
        Ok(fields) => fields,
        Err(problems) => {
            received.discard();
            return Err(IngestError::Invalid(problems));
        }
    };
    // One transaction: a refused file leaves no claimed call behind.
    let mut received = Some(received);
    let outcome = conn.write_transaction(|conn| {
        match claim(conn, sender, &fields, InboundState::Fetching)? {
            Claim::New(call) => {
                let file = received.take().ok_or(IngestError::NotFound)?;
                let delivered = deliver(conn, store, &call.id, file, uploaded_by)?;
                Ok((Claim::New(call), Some(delivered)))
            }
            existing => Ok((existing, None)),
        }
    });
    if let Some(file) = received {
        file.discard();
    }
    outcome
}

/// The file of a fetching call is here: keeps it, and makes the call a recording if its
/// operator is known, else parks it as `needs_operator`. Only a call still `fetching` takes
/// a file (a conditional write): a second delivery of one call is refused and its file
/// removed.
pub fn deliver(
    conn: &mut DbConnection,
    store: &AudioStore,
    id: &InboundId,
    received: ReceivedFile,
    uploaded_by: Option<&UserId>,
) -> Result<Delivered, IngestError> {
    let Some(call) = InboundCall::find(conn, id)? else {
        received.discard();
        return Err(IngestError::NotFound);
    };
    if call.state != InboundState::Fetching {
        received.discard();
        return Err(IngestError::NotFound);
    }
    let stored = intake::keep(store, received)?;
    let outcome = conn.write_transaction(|conn| {
        let operator = match (&call.operator_id, &call.operator_extension) {
            (Some(id), _) => Some(id.clone()),
            (None, Some(extension)) => super::extensions::resolve(conn, extension)?,
            (None, None) => None,
        };
        let moved = diesel::update(
            inbound_calls::table
                .find(&call.id)
                .filter(inbound_calls::state.eq(InboundState::Fetching)),
        )
        .set((
            inbound_calls::state.eq(InboundState::NeedsOperator),
            inbound_calls::original_name.eq(&stored.original_name),
            inbound_calls::original_file.eq(&stored.file),
            inbound_calls::content_sha256.eq(&stored.sha256),
            inbound_calls::size_bytes.eq(i64::try_from(stored.size).unwrap_or(i64::MAX)),
            inbound_calls::error.eq(None::<String>),
            inbound_calls::updated_at.eq(now()),
        ))
        .execute(conn)?;
        if moved == 0 {
            return Err(IngestError::NotFound);
        }
        match operator {
            Some(operator) => {
                let recording = take_in(conn, &call, &stored, &operator, uploaded_by)?;
                Ok(Delivered::Accepted(recording))
            }
            None => {
                let waiting = InboundCall::find(conn, &call.id)?.ok_or(IngestError::NotFound)?;
                Ok(Delivered::NeedsOperator(waiting))
            }
        }
    });
    if outcome.is_err() {
        store.remove(Kind::Original, &stored.file);
    }
    outcome
}

/// Makes a waiting call (its file stored) a recording of `operator`, with its outcome.
fn take_in(
    conn: &mut DbConnection,
    call: &InboundCall,
    stored: &StoredOriginal,
    operator: &OperatorId,
    uploaded_by: Option<&UserId>,
) -> Result<Recording, IngestError> {
    let script = call.script_id.clone().ok_or(IngestError::NotFound)?;
    let recording =
        intake::accept_stored(conn, stored, &call.metadata(operator, &script), uploaded_by)?;
    if let Some(outcome) = call.outcome {
        crate::recordings::outcome::record(conn, &recording.id, outcome)?;
    }
    diesel::update(inbound_calls::table.find(&call.id))
        .set((
            inbound_calls::state.eq(InboundState::Accepted),
            inbound_calls::operator_id.eq(operator),
            inbound_calls::recording_id.eq(&recording.id),
            inbound_calls::error.eq(None::<String>),
            inbound_calls::updated_at.eq(now()),
        ))
        .execute(conn)?;
    crate::audit::record(
        conn,
        uploaded_by,
        "recording.ingest",
        "recording",
        recording.id.as_str(),
        serde_json::json!({
            "external_id": call.external_id,
            "source": call.source,
            "via": call.source_name,
        }),
    )?;
    Ok(recording)
}

fn stored_of(call: &InboundCall) -> Option<StoredOriginal> {
    Some(StoredOriginal {
        file: call.original_file.clone()?,
        sha256: call.content_sha256.clone()?,
        size: u64::try_from(call.size_bytes?).unwrap_or(0),
        original_name: call.original_name.clone().unwrap_or_default(),
    })
}

/// Sends on the calls waiting for `extension`, now that it is `operator`'s; returns how many.
/// A call that cannot be taken in (its script was archived meanwhile) stays waiting with
/// the reason.
pub fn release_waiting(
    conn: &mut DbConnection,
    extension: &str,
    operator: &OperatorId,
) -> Result<usize, IngestError> {
    let waiting: Vec<InboundCall> = inbound_calls::table
        .filter(inbound_calls::state.eq(InboundState::NeedsOperator))
        .filter(inbound_calls::operator_extension.eq(extension))
        .order(inbound_calls::created_at.asc())
        .select(InboundCall::as_select())
        .load(conn)?;
    let mut released = 0;
    for call in waiting {
        if assign_one(conn, &call, operator, None)? {
            released += 1;
        }
    }
    Ok(released)
}

/// Gives one waiting call its operator (the owner, from the list). `false` when the call
/// cannot be taken in; the reason is kept on it.
fn assign_one(
    conn: &mut DbConnection,
    call: &InboundCall,
    operator: &OperatorId,
    by: Option<&UserId>,
) -> Result<bool, IngestError> {
    let Some(stored) = stored_of(call) else {
        return Ok(false);
    };
    let taken = conn.write_transaction(|conn| take_in(conn, call, &stored, operator, by));
    match taken {
        Ok(_) => Ok(true),
        Err(IngestError::Recording(crate::recordings::RecordingError::Invalid(problems))) => {
            let reason = FieldProblem::summary(&problems);
            diesel::update(inbound_calls::table.find(&call.id))
                .set((
                    inbound_calls::error.eq(reason),
                    inbound_calls::updated_at.eq(now()),
                ))
                .execute(conn)?;
            Ok(false)
        }
        Err(other) => Err(other),
    }
}

/// The owner names the operator of one waiting call.
pub fn assign(
    conn: &mut DbConnection,
    id: &InboundId,
    operator: &OperatorId,
    owner: &UserId,
) -> Result<RecordingId, IngestError> {
    conn.write_transaction(|conn| {
        let call = InboundCall::find(conn, id)?.ok_or(IngestError::NotFound)?;
        if call.state != InboundState::NeedsOperator {
            return Err(IngestError::NotFound);
        }
        if !crate::accounts::operators::OperatorRecord::exists(conn, operator)? {
            return Err(FieldProblem::new("operator_id", "unknown_operator").into());
        }
        let stored = stored_of(&call).ok_or(IngestError::NotFound)?;
        let recording = take_in(conn, &call, &stored, operator, Some(owner))?;
        Ok(recording.id)
    })
}

/// A fetch gave up: the call ends `failed` with `reason` (a sentence for the owner).
pub fn fail(conn: &mut DbConnection, id: &InboundId, reason: &str) -> QueryResult<()> {
    diesel::update(
        inbound_calls::table
            .find(id)
            .filter(inbound_calls::state.eq(InboundState::Fetching)),
    )
    .set((
        inbound_calls::state.eq(InboundState::Failed),
        inbound_calls::error.eq(reason),
        inbound_calls::updated_at.eq(now()),
    ))
    .execute(conn)?;
    Ok(())
}

/// A fetch attempt failed but will be tried again: the reason and the count are shown.
pub fn attempt_failed(conn: &mut DbConnection, id: &InboundId, reason: &str) -> QueryResult<()> {
    diesel::update(inbound_calls::table.find(id))
        .set((
            inbound_calls::attempts.eq(inbound_calls::attempts + 1),
            inbound_calls::error.eq(reason),
            inbound_calls::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The calls in `states`, newest first.
pub fn list(
    conn: &mut DbConnection,
    states: &[InboundState],
    limit: i64,
) -> QueryResult<Vec<InboundCall>> {
    inbound_calls::table
        .filter(inbound_calls::state.eq_any(states.to_vec()))
        .order(inbound_calls::created_at.desc())
        .limit(limit)
        .select(InboundCall::as_select())
        .load(conn)
}
