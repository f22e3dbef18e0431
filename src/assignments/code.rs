//! The opaque code a reviewer knows their call by: 20 characters from an alphabet without
//! look-alikes, random, unrelated to anything about the call.
//!
//! It is read once, where a request names it: anything else in a URL is refused there (a 404,
//! like an unknown code) and never reaches a query.

use std::fmt;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use rand::{Rng, RngExt};

/// Lower-case letters and digits without `l`, `o`, `0` and `1`, which read alike.
const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
const LEN: usize = 20;

#[derive(
    Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, diesel::AsExpression, diesel::FromSqlRow,
)]
#[serde(transparent)]
#[diesel(sql_type = Text)]
pub struct AssignmentCode(String);

impl AssignmentCode {
    /// A new random code.
    pub fn random(rng: &mut impl Rng) -> Self {
        Self(
            (0..LEN)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect(),
        )
    }

    /// `None` unless `raw` has the shape of a code (whether it names an assignment is for
    /// the query to find out).
    pub fn parse(raw: &str) -> Option<Self> {
        (raw.len() == LEN && raw.bytes().all(|b| ALPHABET.contains(&b)))
            .then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AssignmentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Deserializing checks the shape, so `web::Path<AssignmentCode>` refuses a malformed code in
/// the extractor (mapped to "not found" in `startup`).
impl<'de> serde::Deserialize<'de> for AssignmentCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).ok_or_else(|| serde::de::Error::custom("not an assignment code"))
    }
}

impl<DB: Backend> ToSql<Text, DB> for AssignmentCode
where
    String: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        <String as ToSql<Text, DB>>::to_sql(&self.0, out)
    }
}

/// Read back as stored: only [`AssignmentCode::random`] writes codes.
impl<DB: Backend> FromSql<Text, DB> for AssignmentCode
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        String::from_sql(bytes).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::AssignmentCode;

    #[test]
    fn new_codes_parse_and_other_shapes_do_not() {
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..100 {
            let code = AssignmentCode::random(&mut rng);
            assert_eq!(AssignmentCode::parse(code.as_str()), Some(code));
        }
        for bad in [
            "",
            "abcdefghijkmnpqrstu",
            "abcdefghijkmnpqrstuvw",
            "abcdefghijkmnpqrstu0",
            "abcdefghijkmnpqrstuL",
            "ABCDEFGHIJKMNPQRSTUV",
            "00000000-0000-0000-0000-000000000000",
            "abcdefghijkmnpqrst\u{e9}",
        ] {
            assert_eq!(AssignmentCode::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn json_keeps_the_plain_string() {
        let code = AssignmentCode::parse("abcdefghijkmnpqrstuv").unwrap();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, r#""abcdefghijkmnpqrstuv""#);
        assert_eq!(
            serde_json::from_str::<AssignmentCode>(&json).ok(),
            Some(code)
        );
        assert!(serde_json::from_str::<AssignmentCode>(r#""nope""#).is_err());
    }
}
