//! The tables of calls that arrive by themselves (`crate::ingest`, `crate::sampling`): machine
//! keys, extensions, inbound calls, outcomes and sampling periods; portable types only, as in
//! `schema.rs`.

use super::schema::{operators, recordings, scripts};

diesel::table! {
    api_keys (id) {
        id -> Text,
        name -> Text,
        scope -> Text,
        key_hash -> Text,
        prefix -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<Text>,
    }
}

diesel::table! {
    operator_extensions (extension) {
        extension -> Text,
        operator_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    inbound_calls (id) {
        id -> Text,
        external_id -> Text,
        source -> Text,
        source_name -> Nullable<Text>,
        state -> Text,
        operator_id -> Nullable<Text>,
        operator_extension -> Nullable<Text>,
        script_id -> Nullable<Text>,
        called_at -> Nullable<Timestamp>,
        direction -> Nullable<Text>,
        customer_number -> Nullable<Text>,
        outcome -> Nullable<Text>,
        language -> Nullable<Text>,
        reviews_required -> Nullable<Integer>,
        original_name -> Nullable<Text>,
        original_file -> Nullable<Text>,
        content_sha256 -> Nullable<Text>,
        size_bytes -> Nullable<BigInt>,
        recording_id -> Nullable<Text>,
        error -> Nullable<Text>,
        attempts -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    call_outcomes (recording_id) {
        recording_id -> Text,
        outcome -> Text,
        reason -> Nullable<Text>,
        updated_at -> Timestamp,
        updated_by -> Nullable<Text>,
    }
}

diesel::table! {
    sample_periods (script_id, operator_id, period_start) {
        script_id -> Text,
        operator_id -> Text,
        period_start -> Timestamp,
        period_end -> Timestamp,
        sample_size -> Integer,
        seen -> Integer,
        taken -> Integer,
        last_arrival_at -> Timestamp,
        released_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sample_members (recording_id) {
        recording_id -> Text,
        script_id -> Text,
        operator_id -> Text,
        period_start -> Timestamp,
        taken -> Bool,
        decided_at -> Timestamp,
    }
}

diesel::joinable!(operator_extensions -> operators (operator_id));
diesel::joinable!(inbound_calls -> recordings (recording_id));
diesel::joinable!(call_outcomes -> recordings (recording_id));
diesel::joinable!(sample_members -> recordings (recording_id));
diesel::joinable!(sample_periods -> scripts (script_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_keys,
    operator_extensions,
    inbound_calls,
    call_outcomes,
    sample_periods,
    sample_members,
);
diesel::allow_tables_to_appear_in_same_query!(operator_extensions, operators);
diesel::allow_tables_to_appear_in_same_query!(inbound_calls, operators);
diesel::allow_tables_to_appear_in_same_query!(inbound_calls, recordings);
diesel::allow_tables_to_appear_in_same_query!(inbound_calls, scripts);
diesel::allow_tables_to_appear_in_same_query!(call_outcomes, recordings);
diesel::allow_tables_to_appear_in_same_query!(sample_members, recordings);
diesel::allow_tables_to_appear_in_same_query!(sample_periods, scripts);
diesel::allow_tables_to_appear_in_same_query!(sample_periods, operators);

diesel::table! {
    win_backs (recording_id) {
        recording_id -> Text,
        status -> Text,
        updated_at -> Timestamp,
        updated_by -> Nullable<Text>,
    }
}

diesel::joinable!(win_backs -> recordings (recording_id));
diesel::allow_tables_to_appear_in_same_query!(win_backs, recordings);
diesel::allow_tables_to_appear_in_same_query!(win_backs, call_outcomes);

diesel::table! {
    connectors (vendor) {
        vendor -> Text,
        secret -> Text,
        script_id -> Nullable<Text>,
        updated_at -> Timestamp,
        updated_by -> Nullable<Text>,
        api_key -> Nullable<Text>,
        api_url -> Nullable<Text>,
    }
}

diesel::table! {
    connector_events (id) {
        id -> Text,
        vendor -> Text,
        received_at -> Timestamp,
        outcome -> Text,
        external_id -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}
