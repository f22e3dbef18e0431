//! The integration suite: one test binary, each file a user story driven over HTTP against
//! a freshly started server and a fresh database (SQLite by default; PostgreSQL when
//! `CALLQA_TEST_POSTGRES` names a server, see `helpers.rs`). Whatever a test did, its
//! server's database must still hold the invariants of `invariants.rs` when it ends.

mod accounts;
mod agreement;
mod assignments;
mod audio;
mod backup;
mod canary;
mod connectors;
mod demo;
mod disputes;
mod flags;
mod foundation;
mod funnel;
mod fuzz;
mod gaps;
mod headers;
mod helpers;
mod hidden_audio;
mod hostile_text;
mod ingest;
mod invariants;
mod jobs;
mod kpi;
mod languages;
mod listening;
mod login_throttle;
mod metrics;
mod object_store;
mod operator;
mod operator_names;
mod outcomes;
mod overlap;
mod overview;
mod owner_races;
mod pay;
mod recording_filters;
mod recordings;
mod redirects;
mod review_quality;
mod reviewer_audio;
mod reviewers;
mod role_matrix;
mod sampling;
mod script_diff;
mod scripts;
mod served_files;
mod time_zones;
mod vendors;
mod weighted;
mod wording;
mod workspace;
