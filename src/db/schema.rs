//! The diesel schema, written by hand to stay portable: it must describe the tables of both
//! `migrations/sqlite` and `migrations/postgres`, so it uses only types both backends share
//! (text ids, `Timestamp` in UTC, `Integer`/`BigInt`, `Bool`). The integration tests run
//! every query against both migrated backends.

diesel::table! {
    operators (id) {
        id -> Text,
        name -> Text,
        external_id -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        login -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        operator_id -> Nullable<Text>,
        active -> Bool,
        token_version -> Integer,
        language -> Nullable<Text>,
        created_at -> Timestamp,
        time_zone -> Nullable<Text>,
        paused_at -> Nullable<Timestamp>,
        resumed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    invites (id) {
        id -> Text,
        token_hash -> Text,
        role -> Text,
        operator_id -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        used_by -> Nullable<Text>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_throttle (throttle_key) {
        throttle_key -> Text,
        window_start -> Timestamp,
        failures -> Integer,
        strikes -> Integer,
    }
}

diesel::table! {
    scripts (id) {
        id -> Text,
        name -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        archived -> Bool,
        min_reviews -> Integer,
        max_reviews -> Integer,
        language -> Text,
        sample_size -> Nullable<Integer>,
        sample_period -> Text,
        sample_min_seconds -> Nullable<Integer>,
        sample_direction -> Nullable<Text>,
    }
}

diesel::table! {
    script_versions (id) {
        id -> Text,
        script_id -> Text,
        number -> Integer,
        notes -> Text,
        published_by -> Nullable<Text>,
        published_at -> Timestamp,
    }
}

diesel::table! {
    steps (id) {
        id -> Text,
        version_id -> Text,
        step_key -> Text,
        position -> Integer,
        title -> Text,
        say -> Text,
        guidance -> Text,
        critical -> Bool,
        optional -> Bool,
        weight -> Nullable<Integer>,
    }
}

diesel::table! {
    script_drafts (script_id) {
        script_id -> Text,
        body -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    recordings (id) {
        id -> Text,
        operator_id -> Text,
        script_version_id -> Text,
        status -> Text,
        error -> Nullable<Text>,
        error_code -> Nullable<Text>,
        original_name -> Text,
        original_file -> Text,
        content_sha256 -> Text,
        size_bytes -> BigInt,
        duration_ms -> Nullable<BigInt>,
        channels -> Nullable<Integer>,
        sample_rate -> Nullable<Integer>,
        called_at -> Nullable<Timestamp>,
        direction -> Nullable<Text>,
        customer_number -> Nullable<Text>,
        voice_mode -> Text,
        anonymized_file -> Nullable<Text>,
        peaks_file -> Nullable<Text>,
        reviews_required -> Integer,
        reviews_done -> Integer,
        acknowledged_at -> Nullable<Timestamp>,
        uploaded_by -> Nullable<Text>,
        created_at -> Timestamp,
        ready_at -> Nullable<Timestamp>,
        build_generation -> Integer,
        reviews_min -> Nullable<Integer>,
        reviews_max -> Nullable<Integer>,
        sample -> Nullable<Text>,
        voice_channel -> Nullable<Text>,
    }
}

diesel::table! {
    redactions (id) {
        id -> Text,
        recording_id -> Text,
        start_ms -> BigInt,
        end_ms -> BigInt,
        mode -> Text,
    }
}

diesel::table! {
    jobs (id) {
        id -> Text,
        kind -> Text,
        recording_id -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        run_after -> Timestamp,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        inbound_id -> Nullable<Text>,
        payload -> Nullable<Text>,
    }
}

diesel::table! {
    assignment_pool (language, shard, slot) {
        language -> Text,
        shard -> Integer,
        slot -> Integer,
        recording_id -> Text,
    }
}

diesel::table! {
    assignment_pool_parts (language, shard) {
        language -> Text,
        shard -> Integer,
        size -> Integer,
    }
}

diesel::table! {
    reviewer_languages (user_id, language) {
        user_id -> Text,
        language -> Text,
    }
}

diesel::table! {
    assignment_pool_shards (shard) {
        shard -> Integer,
    }
}

diesel::table! {
    assignments (id) {
        id -> Text,
        code -> Text,
        recording_id -> Text,
        reviewer_id -> Text,
        status -> Text,
        assigned_at -> Timestamp,
        expires_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        skip_reason -> Nullable<Text>,
        gold -> Bool,
        dispute_id -> Nullable<Text>,
    }
}

diesel::table! {
    reviews (id) {
        id -> Text,
        assignment_id -> Text,
        recording_id -> Text,
        reviewer_id -> Text,
        script_version_id -> Text,
        submitted_at -> Timestamp,
        status -> Text,
        gold -> Bool,
        rejected_at -> Nullable<Timestamp>,
        rejected_by -> Nullable<Text>,
        reject_reason -> Nullable<Text>,
        checked_at -> Nullable<Timestamp>,
        checked_by -> Nullable<Text>,
        heard_ms -> Nullable<BigInt>,
        heard_ranges -> Nullable<Text>,
        dispute_id -> Nullable<Text>,
    }
}

diesel::table! {
    disputes (id) {
        id -> Text,
        recording_id -> Text,
        opened_by -> Text,
        opened_at -> Timestamp,
        status -> Text,
        re_review_id -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
    }
}

diesel::table! {
    dispute_steps (dispute_id, step_key) {
        dispute_id -> Text,
        step_key -> Text,
        comment -> Text,
        decision -> Nullable<Text>,
        note -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
    }
}

diesel::table! {
    reviewer_skill (reviewer_id) {
        reviewer_id -> Text,
        labels -> BigInt,
        matrix -> Text,
        fitted_at -> Timestamp,
    }
}

diesel::table! {
    consensus_fit (id) {
        id -> Integer,
        priors -> Text,
        labels -> BigInt,
        reviewers -> Integer,
        iterations -> Integer,
        weighted -> Bool,
        fitted_at -> Timestamp,
    }
}

diesel::table! {
    gold_calls (recording_id) {
        recording_id -> Text,
        active -> Bool,
        marked_by -> Nullable<Text>,
        marked_at -> Timestamp,
        unmarked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    gold_answers (recording_id, step_key) {
        recording_id -> Text,
        step_key -> Text,
        verdict -> Text,
    }
}

diesel::table! {
    verdicts (id) {
        id -> Text,
        review_id -> Text,
        step_id -> Text,
        step_key -> Text,
        verdict -> Text,
        comment -> Nullable<Text>,
        at_ms -> Nullable<BigInt>,
    }
}

diesel::table! {
    gaps (id) {
        id -> Text,
        verdict_id -> Text,
        recording_id -> Text,
        script_id -> Text,
        script_version_id -> Text,
        step_key -> Text,
        status -> Text,
        dismiss_reason -> Nullable<Text>,
        dismiss_note -> Nullable<Text>,
        resolved_in_version_id -> Nullable<Text>,
        triaged_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    settings (name) {
        name -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        action -> Text,
        object_type -> Text,
        object_id -> Nullable<Text>,
        details -> Text,
    }
}

diesel::joinable!(users -> operators (operator_id));
diesel::joinable!(script_versions -> scripts (script_id));
diesel::joinable!(steps -> script_versions (version_id));
diesel::joinable!(recordings -> operators (operator_id));
diesel::joinable!(recordings -> script_versions (script_version_id));
diesel::joinable!(assignments -> recordings (recording_id));
diesel::joinable!(reviews -> assignments (assignment_id));
diesel::joinable!(verdicts -> reviews (review_id));
diesel::joinable!(verdicts -> steps (step_id));

diesel::joinable!(assignment_pool -> recordings (recording_id));
diesel::joinable!(reviewer_languages -> users (user_id));
diesel::joinable!(gold_calls -> recordings (recording_id));
diesel::joinable!(gold_answers -> gold_calls (recording_id));
diesel::joinable!(disputes -> recordings (recording_id));
diesel::joinable!(dispute_steps -> disputes (dispute_id));

diesel::allow_tables_to_appear_in_same_query!(
    assignment_pool,
    assignment_pool_parts,
    assignment_pool_shards,
    reviewer_languages,
    operators,
    users,
    invites,
    login_throttle,
    scripts,
    script_versions,
    steps,
    script_drafts,
    recordings,
    redactions,
    jobs,
    assignments,
    reviews,
    verdicts,
    gaps,
    settings,
    audit_log,
    gold_calls,
    gold_answers,
    reviewer_skill,
    consensus_fit,
    disputes,
    dispute_steps,
);
