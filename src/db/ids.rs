//! A distinct newtype per kind of id, so a reviewer's id can never be passed where an
//! operator's is expected. Ids are random UUIDs stored as text on both backends.

use std::fmt;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident;)+) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize, diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = Text)]
        pub struct $name(String);

        impl $name {
            /// A fresh random id.
            pub fn random() -> Self {
                Self(uuid::Uuid::new_v4().to_string())
            }

            /// Wraps an id that came from outside (a URL, a JSON body); whether it names
            /// anything is for the query to find out.
            pub fn from_raw(raw: impl Into<String>) -> Self {
                Self(raw.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<DB: Backend> ToSql<Text, DB> for $name
        where
            String: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <String as ToSql<Text, DB>>::to_sql(&self.0, out)
            }
        }

        impl<DB: Backend> FromSql<Text, DB> for $name
        where
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                String::from_sql(bytes).map(Self)
            }
        }
    )+};
}

id_type! {
    /// A login account of any role.
    UserId;
    /// The person on the company side of a call (exists with or without a login).
    OperatorId;
    InviteId;
    ScriptId;
    ScriptVersionId;
    StepId;
    RecordingId;
    JobId;
    AssignmentId;
    ReviewId;
    VerdictId;
    GapId;
    DisputeId;
    AuditId;
}

id_type! {
    /// One entry of the reviewers' ledger (`crate::pay`).
    PayEntryId;
    /// A closed pay period.
    PayPeriodId;
}

id_type! {
    /// A call that arrived by itself, known by its external id (`crate::ingest`).
    InboundId;
    /// A machine key (`crate::ingest::keys`).
    ApiKeyId;
}

id_type! {
    /// One event a connector received (`crate::connectors`).
    ConnectorEventId;
}
