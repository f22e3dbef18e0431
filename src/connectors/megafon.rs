//! A MegaFon-style virtual PBX ("ВАТС"): its CRM integration posts commands as a form
//! carrying the `crm_token` the owner set up on both sides (the connector's secret). After a
//! call, `cmd=history` says how it went:
//!
//! `cmd=history&type=in&callid=…&user=olga&ext=201&phone=79990001122&start=20261201T101500Z&duration=95&status=Success&link=https://…/rec.mp3&crm_token=…`
//!
//! `link` is the recording's address (absent for a call without one); `ext` (or `user`) is
//! the employee the owner maps to an operator; the call's id is `callid`. Other commands
//! (`event`, `contact`, `rating`) are checked and noted.

use sha2::{Digest, Sha256};

use super::fetch::Payload;
use super::self_test::TestEvent;
use super::{Answer, Said, Stored, Vendor, field, form_fields};
use crate::db::DbConnection;
use crate::ingest::{CallFields, IngestError};
use crate::validation::FieldProblem;

/// Whether `given` is the token (compared as digests, so the time says nothing of it).
fn token_matches(settings: &Stored, given: Option<&str>) -> bool {
    given.is_some_and(|given| {
        Sha256::digest(given.as_bytes()) == Sha256::digest(settings.secret.as_bytes())
    })
}

/// `20261201T101500Z` as RFC 3339; `None` for anything else.
fn start_of(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| range.clone().all(|i| b[i].is_ascii_digit());
    (b.len() == 16 && digits(0..8) && b[8] == b'T' && digits(9..15) && b[15] == b'Z').then(|| {
        format!(
            "{}-{}-{}T{}:{}:{}Z",
            &text[0..4],
            &text[4..6],
            &text[6..8],
            &text[9..11],
            &text[11..13],
            &text[13..15]
        )
    })
}

/// Takes in one command.
pub fn receive(
    conn: &mut DbConnection,
    body: &[u8],
) -> Result<Result<Answer, IngestError>, IngestError> {
    let form = form_fields(body);
    super::receive(conn, Vendor::Megafon, |settings| {
        let form = form?;
        if !token_matches(settings, field(&form, "crm_token")) {
            return Err(IngestError::BadSignature);
        }
        match field(&form, "cmd") {
            Some("history") => {}
            Some(other) => return Ok(Said::Nothing(format!("the {other} command is not used"))),
            None => return Err(FieldProblem::new("cmd", "required").into()),
        }
        let Some(call) = field(&form, "callid") else {
            return Err(FieldProblem::new("callid", "required").into());
        };
        let Some(link) = field(&form, "link") else {
            let status = field(&form, "status").unwrap_or("unknown");
            return Ok(Said::Nothing(format!(
                "a call without a recording (status {status})"
            )));
        };
        if !super::is_web_url(link) {
            return Err(FieldProblem::new("link", "invalid_url").into());
        }
        let direction = match field(&form, "type") {
            Some("in") => Some("inbound".to_owned()),
            Some("out") => Some("outbound".to_owned()),
            _ => None,
        };
        let fields = CallFields {
            external_id: Some(call.to_owned()),
            operator_extension: field(&form, "ext")
                .or(field(&form, "user"))
                .map(str::to_owned),
            called_at: field(&form, "start").and_then(start_of),
            direction,
            customer_number: field(&form, "phone").map(str::to_owned),
            ..CallFields::default()
        };
        Ok(Said::Recording {
            fields: Box::new(fields),
            fetch: Payload::link(Vendor::Megafon, link.to_owned()),
        })
    })
}

/// A `history` command as the PBX would send it, naming the test call.
pub fn test_event(settings: &Stored) -> TestEvent {
    TestEvent::form(
        super::webhook_path(Vendor::Megafon),
        &[
            ("cmd", "history".to_owned()),
            ("type", "in".to_owned()),
            ("callid", super::TEST_CALL_ID.to_owned()),
            ("link", "https://pbx.example.com/rec/test.mp3".to_owned()),
            ("crm_token", settings.secret.clone()),
        ],
        Vec::new(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_time_reads_only_the_documented_form() {
        assert_eq!(
            start_of("20261201T101500Z").as_deref(),
            Some("2026-12-01T10:15:00Z")
        );
        for bad in [
            "",
            "2026-12-01T10:15:00Z",
            "20261201T1015Z",
            "2026120xT101500Z",
        ] {
            assert_eq!(start_of(bad), None, "{bad}");
        }
    }
}
