//! The tables of paying reviewers (`crate::pay`), beside the main schema so that the ledger's
//! tables and their join rules stay in one place; portable types only, as in `schema.rs`.

use super::schema::{assignments, reviews, scripts, users};

diesel::table! {
    pay_periods (id) {
        id -> Text,
        number -> Integer,
        starts_at -> Nullable<Timestamp>,
        ends_at -> Timestamp,
        status -> Text,
        closed_at -> Timestamp,
        closed_by -> Nullable<Text>,
        approved_at -> Nullable<Timestamp>,
        approved_by -> Nullable<Text>,
        paid_at -> Nullable<Timestamp>,
        paid_by -> Nullable<Text>,
        paid_on -> Nullable<Text>,
        payment_reference -> Nullable<Text>,
    }
}

diesel::table! {
    pay_entries (id) {
        id -> Text,
        reviewer_id -> Text,
        kind -> Text,
        review_id -> Nullable<Text>,
        review_seq -> Nullable<Integer>,
        amount_minor -> BigInt,
        currency -> Text,
        review_rate_minor -> BigInt,
        minute_rate_minor -> BigInt,
        duration_ms -> BigInt,
        rate_source -> Text,
        gold_accuracy -> Nullable<Integer>,
        bonus_percent -> Integer,
        bonus_minor -> BigInt,
        held -> Bool,
        released_at -> Nullable<Timestamp>,
        released_by -> Nullable<Text>,
        reason -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        period_id -> Nullable<Text>,
    }
}

diesel::table! {
    pay_period_totals (period_id, reviewer_id, currency) {
        period_id -> Text,
        reviewer_id -> Text,
        currency -> Text,
        amount_minor -> BigInt,
        entries -> Integer,
    }
}

diesel::table! {
    pay_payout_details (user_id) {
        user_id -> Text,
        full_name -> Text,
        inn -> Text,
        method -> Text,
        card -> Nullable<Text>,
        account -> Nullable<Text>,
        bik -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    pay_script_rates (script_id) {
        script_id -> Text,
        review_rate_minor -> BigInt,
        minute_rate_minor -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(pay_entries -> pay_periods (period_id));
diesel::joinable!(pay_period_totals -> pay_periods (period_id));

diesel::allow_tables_to_appear_in_same_query!(
    pay_periods,
    pay_entries,
    pay_period_totals,
    pay_payout_details,
    pay_script_rates,
);
diesel::allow_tables_to_appear_in_same_query!(pay_entries, users);
diesel::allow_tables_to_appear_in_same_query!(pay_entries, reviews);
diesel::allow_tables_to_appear_in_same_query!(pay_entries, assignments);
diesel::allow_tables_to_appear_in_same_query!(pay_period_totals, users);
diesel::allow_tables_to_appear_in_same_query!(pay_payout_details, users);
diesel::allow_tables_to_appear_in_same_query!(pay_script_rates, scripts);
diesel::allow_tables_to_appear_in_same_query!(pay_periods, users);
diesel::allow_tables_to_appear_in_same_query!(pay_periods, reviews);
diesel::allow_tables_to_appear_in_same_query!(pay_periods, assignments);
