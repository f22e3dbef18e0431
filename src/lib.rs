//! callqa: blind quality review of recorded sales calls.
//!
//! The crate is organised by domain (accounts, scripts, …) with thin HTTP layers on top:
//! [`web`] renders pages, [`api`] serves `/api/v1`, and both call plain domain functions that
//! take a database connection. [`startup::Application`] wires everything together and is used
//! by `callqa serve` and by the integration tests alike.

pub mod accounts;
pub mod api;
pub mod assignments;
pub mod audio;
pub mod audit;
pub mod cli;
pub mod config;
pub mod connectors;
pub mod dashboards;
pub mod db;
pub mod demo;
pub mod disputes;
pub mod error;
pub mod gaps;
pub mod http;
pub mod i18n;
pub mod ingest;
pub mod languages;
pub mod metrics;
pub mod org_settings;
pub mod pay;
pub mod recordings;
pub mod reviews;
pub mod sampling;
pub mod scripts;
pub mod secret;
pub mod startup;
pub mod validation;
pub mod web;
pub mod zone;
