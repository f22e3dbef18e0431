//! Where a reviewer is paid: their full legal name, tax number (INN: 12 digits for a person,
//! 10 for an organization, both with their check digits) and a bank card (Luhn) or an
//! account (20 digits, checked with the bank's BIK). The reviewer enters them on their
//! account page; owners read them in full (the registry needs them), everyone else masked.
//! A change is audited (masked) and shows on the owner's start and pay pages.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::PayError;
use crate::audit;
use crate::db::DbConnection;
use crate::db::ids::UserId;
use crate::db::pay_schema::{pay_payout_details, pay_periods};
use crate::db::schema::users;
use crate::db::time::{Timestamp, now};
use crate::validation::FieldProblem;

crate::text_enum! {
    /// How a reviewer is paid.
    PayoutMethod {
        Card = "card",
        Account = "account",
    }
}

/// A reviewer's payout details, in full or masked (see [`PayoutDetails::masked`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PayoutDetails {
    pub full_name: String,
    pub inn: String,
    pub method: PayoutMethod,
    pub card: Option<String>,
    pub account: Option<String>,
    pub bik: Option<String>,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub updated_at: Timestamp,
    pub masked: bool,
}

/// Every character but the last four as `•`.
pub fn mask(text: &str) -> String {
    let count = text.chars().count();
    text.chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < count { '•' } else { c })
        .collect()
}

impl PayoutDetails {
    /// What anyone but an owner sees: the numbers' last four digits.
    pub fn masked(mut self) -> PayoutDetails {
        self.inn = mask(&self.inn);
        self.card = self.card.as_deref().map(mask);
        self.account = self.account.as_deref().map(mask);
        self.masked = true;
        self
    }

    /// The card or the account (with the BIK), as one text for a registry.
    pub fn destination(&self) -> String {
        match self.method {
            PayoutMethod::Card => self.card.clone().unwrap_or_default(),
            PayoutMethod::Account => self.account.clone().unwrap_or_default(),
        }
    }
}

/// The details as a reviewer sends them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DetailsInput {
    pub full_name: String,
    pub inn: String,
    pub method: String,
    pub card: String,
    pub account: String,
    pub bik: String,
}

fn digits_of(text: &str) -> Option<String> {
    let kept: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    kept.chars().all(|c| c.is_ascii_digit()).then_some(kept)
}

fn numbers(digits: &str) -> Vec<u32> {
    digits.chars().filter_map(|c| c.to_digit(10)).collect()
}

/// A check digit of an INN: the weighted sum mod 11, mod 10.
fn inn_digit(digits: &[u32], weights: &[u32]) -> u32 {
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    sum % 11 % 10
}

/// Whether `inn` (digits only) is a valid 12-digit (a person's) or 10-digit INN.
pub fn inn_is_valid(inn: &str) -> bool {
    let d = numbers(inn);
    if d.len() != inn.len() {
        return false;
    }
    match d.len() {
        12 => {
            inn_digit(&d[..10], &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[10]
                && inn_digit(&d[..11], &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[11]
        }
        10 => inn_digit(&d[..9], &[2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[9],
        _ => false,
    }
}

/// The Luhn check of a card number (digits only).
pub fn luhn_is_valid(card: &str) -> bool {
    let d = numbers(card);
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &n)| match (i % 2 == 1, n * 2) {
            (true, doubled) if doubled > 9 => doubled - 9,
            (true, doubled) => doubled,
            (false, _) => n,
        })
        .sum();
    !d.is_empty() && sum.is_multiple_of(10)
}

/// The control key of a 20-digit account at the bank with this 9-digit BIK: the BIK's last
/// three digits and the account, weighted 7, 1, 3, …, sum to a multiple of 10.
pub fn account_is_valid(account: &str, bik: &str) -> bool {
    if account.len() != 20 || bik.len() != 9 {
        return false;
    }
    let key = format!("{}{account}", &bik[6..]);
    let d = numbers(&key);
    let weights = [7, 1, 3];
    d.len() == 23
        && d.iter()
            .enumerate()
            .map(|(i, n)| n * weights[i % 3])
            .sum::<u32>()
            .is_multiple_of(10)
}

/// Payout details that passed [`check`], digits cleaned of spaces and dashes.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub full_name: String,
    pub inn: String,
    pub method: PayoutMethod,
    pub card: Option<String>,
    pub account: Option<String>,
    pub bik: Option<String>,
}

/// The details checked; every problem at once.
pub fn check(input: &DetailsInput) -> Result<Checked, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let full_name = input.full_name.trim().to_owned();
    let name_chars = full_name.chars().count();
    if full_name.is_empty() {
        problems.push(FieldProblem::new("full_name", "required"));
    } else if name_chars > 200 {
        problems.push(FieldProblem::new("full_name", "too_long").with("max", 200));
    } else if full_name.chars().any(char::is_control) {
        problems.push(FieldProblem::new("full_name", "control_characters"));
    }
    let inn = digits_of(input.inn.trim()).unwrap_or_default();
    if input.inn.trim().is_empty() {
        problems.push(FieldProblem::new("inn", "required"));
    } else if !matches!(inn.len(), 10 | 12) {
        problems.push(FieldProblem::new("inn", "inn_format"));
    } else if !inn_is_valid(&inn) {
        problems.push(FieldProblem::new("inn", "inn_checksum"));
    }
    let method = PayoutMethod::parse(input.method.trim());
    let (mut card, mut account, mut bik) = (None, None, None);
    match method {
        None => problems.push(FieldProblem::new("method", "unknown_value")),
        Some(PayoutMethod::Card) => {
            let number = digits_of(input.card.trim()).unwrap_or_default();
            if input.card.trim().is_empty() {
                problems.push(FieldProblem::new("card", "required"));
            } else if !(13..=19).contains(&number.len()) {
                problems.push(FieldProblem::new("card", "card_format"));
            } else if !luhn_is_valid(&number) {
                problems.push(FieldProblem::new("card", "card_checksum"));
            } else {
                card = Some(number);
            }
        }
        Some(PayoutMethod::Account) => {
            let number = digits_of(input.account.trim()).unwrap_or_default();
            let bank = digits_of(input.bik.trim()).unwrap_or_default();
            if number.len() != 20 {
                problems.push(FieldProblem::new("account", "account_format"));
            }
            if bank.len() != 9 {
                problems.push(FieldProblem::new("bik", "bik_format"));
            }
            if number.len() == 20 && bank.len() == 9 {
                if account_is_valid(&number, &bank) {
                    account = Some(number);
                    bik = Some(bank);
                } else {
                    problems.push(FieldProblem::new("account", "account_checksum"));
                }
            }
        }
    }
    match method {
        Some(method) if problems.is_empty() => Ok(Checked {
            full_name,
            inn,
            method,
            card,
            account,
            bik,
        }),
        _ => Err(problems),
    }
}

type DetailsRow = (
    UserId,
    String,
    String,
    PayoutMethod,
    Option<String>,
    Option<String>,
    Option<String>,
    Timestamp,
);

fn from_row(row: DetailsRow) -> (UserId, PayoutDetails) {
    (
        row.0,
        PayoutDetails {
            full_name: row.1,
            inn: row.2,
            method: row.3,
            card: row.4,
            account: row.5,
            bik: row.6,
            updated_at: row.7,
            masked: false,
        },
    )
}

/// The details of each of `users` who entered them, in full.
pub fn of_many(
    conn: &mut DbConnection,
    people: &[UserId],
) -> QueryResult<HashMap<UserId, PayoutDetails>> {
    let rows: Vec<DetailsRow> = pay_payout_details::table
        .filter(pay_payout_details::user_id.eq_any(people))
        .select((
            pay_payout_details::user_id,
            pay_payout_details::full_name,
            pay_payout_details::inn,
            pay_payout_details::method,
            pay_payout_details::card,
            pay_payout_details::account,
            pay_payout_details::bik,
            pay_payout_details::updated_at,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(from_row).collect())
}

/// One person's details in full, if entered.
pub fn of(conn: &mut DbConnection, user: &UserId) -> QueryResult<Option<PayoutDetails>> {
    Ok(of_many(conn, std::slice::from_ref(user))?.remove(user))
}

/// Stores a reviewer's details (replacing earlier ones), audited with the numbers masked.
/// Returns them masked, as the reviewer sees them.
pub fn save(
    conn: &mut DbConnection,
    reviewer: &UserId,
    input: &DetailsInput,
) -> Result<PayoutDetails, PayError> {
    let Checked {
        full_name,
        inn,
        method,
        card,
        account,
        bik,
    } = check(input).map_err(PayError::Invalid)?;
    conn.write_transaction(|conn| {
        let at = now();
        let upsert = diesel::insert_into(pay_payout_details::table)
            .values((
                pay_payout_details::user_id.eq(reviewer),
                pay_payout_details::full_name.eq(&full_name),
                pay_payout_details::inn.eq(&inn),
                pay_payout_details::method.eq(method),
                pay_payout_details::card.eq(&card),
                pay_payout_details::account.eq(&account),
                pay_payout_details::bik.eq(&bik),
                pay_payout_details::updated_at.eq(at),
            ))
            .on_conflict(pay_payout_details::user_id)
            .do_update()
            .set((
                pay_payout_details::full_name.eq(&full_name),
                pay_payout_details::inn.eq(&inn),
                pay_payout_details::method.eq(method),
                pay_payout_details::card.eq(&card),
                pay_payout_details::account.eq(&account),
                pay_payout_details::bik.eq(&bik),
                pay_payout_details::updated_at.eq(at),
            ));
        crate::db::execute_upsert(conn, upsert)?;
        let saved = of(conn, reviewer)?.ok_or(PayError::NotFound)?.masked();
        audit::record(
            conn,
            Some(reviewer),
            "pay.payout_details",
            "user",
            reviewer.as_str(),
            serde_json::json!({
                "full_name": saved.full_name,
                "inn": saved.inn,
                "method": saved.method,
                "card": saved.card,
                "account": saved.account,
            }),
        )?;
        Ok(saved)
    })
}

/// A change of payout details an owner should know of before paying.
#[derive(Debug, Clone, Serialize)]
pub struct DetailsChange {
    pub reviewer_id: UserId,
    pub name: String,
    #[serde(serialize_with = "crate::db::time::serde_rfc3339::serialize")]
    pub updated_at: Timestamp,
}

/// Reviewers whose details changed since the latest period was closed (all who entered
/// any, before the first), newest first.
pub fn changed_since_last_close(conn: &mut DbConnection) -> QueryResult<Vec<DetailsChange>> {
    let since: Option<Timestamp> = pay_periods::table
        .order(pay_periods::number.desc())
        .select(pay_periods::closed_at)
        .first(conn)
        .optional()?;
    let mut query = pay_payout_details::table
        .inner_join(users::table.on(users::id.eq(pay_payout_details::user_id)))
        .into_boxed();
    if let Some(since) = since {
        query = query.filter(pay_payout_details::updated_at.gt(since));
    }
    let rows: Vec<(UserId, String, Timestamp)> = query
        .order(pay_payout_details::updated_at.desc())
        .select((
            pay_payout_details::user_id,
            users::display_name,
            pay_payout_details::updated_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(reviewer_id, name, updated_at)| DetailsChange {
            reviewer_id,
            name,
            updated_at,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_numbers_carry_their_check_digits() {
        assert!(inn_is_valid("500100732259"));
        assert!(!inn_is_valid("500100732258"));
        assert!(inn_is_valid("7707083893"));
        assert!(!inn_is_valid("7707083894"));
        assert!(!inn_is_valid("12345"));
    }

    #[test]
    fn cards_and_accounts_are_checked() {
        assert!(luhn_is_valid("4111111111111111"));
        assert!(!luhn_is_valid("4111111111111112"));
        // The control digit (position 9) of an account at a bank whose BIK ends in 225.
        let bik = "044525225";
        let valid = (0..10)
            .map(|k| format!("40817810{k}99910004312"))
            .find(|a| account_is_valid(a, bik));
        assert!(valid.is_some());
        assert_eq!(
            (0..10)
                .filter(|k| account_is_valid(&format!("40817810{k}99910004312"), bik))
                .count(),
            1
        );
        assert_eq!(mask("4111111111111111"), "••••••••••••1111");
    }
}
