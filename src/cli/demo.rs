//! `callqa demo`: the normal server on a separate data directory that is seeded with demo
//! data on first start (see [`crate::demo`]), printing the logins once it is ready.

use std::path::PathBuf;

use clap::Args;

use crate::accounts::User;
use crate::config::{DatabaseUrl, Settings};
use crate::db::Db;
use crate::demo::{self, DirPlan};
use crate::startup::Application;

#[derive(Debug, Args)]
#[command(mut_arg("data_dir", |arg| arg
    .env("CALLQA_DEMO_DIR")
    .default_value("./callqa-demo")
    .help("Directory of the demo's database, signing key and audio; seeded on first start")))]
pub struct DemoArgs {
    /// Delete the demo data and seed it again.
    #[arg(long)]
    reset: bool,

    #[command(flatten)]
    settings: Settings,
}

pub fn run(args: DemoArgs) -> Result<(), String> {
    let settings = args.settings;
    let data_dir: PathBuf = settings.storage.data_dir.clone();
    let plan = demo::prepare_data_dir(&data_dir, args.reset, database_outside(&settings)?)?;
    actix_web::rt::System::new().block_on(async move {
        println!(
            "callqa {} demo starting with:\n{settings}",
            env!("CARGO_PKG_VERSION")
        );
        let app = Application::build(settings)
            .await
            .map_err(|e| e.to_string())?;
        if plan == DirPlan::Seed {
            println!("Seeding the demo (first start only):");
            let state = app.state().clone();
            let seeded = actix_web::rt::task::spawn_blocking(move || {
                demo::seed(&state, &mut |step| println!("  - {step}"))
            })
            .await
            .map_err(|e| format!("seeding stopped: {e}"))??;
            demo::mark_seeded(&data_dir)?;
            println!(
                "  {} calls, {} reviews, {} open gaps\n",
                seeded.recordings, seeded.reviews, seeded.open_gaps
            );
        }
        print!("{}", demo::welcome(app.base_url(), &data_dir));
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

/// Whether the data lives in a database outside the data directory (given by URL) that
/// already has accounts: such a database is never emptied by this command.
fn database_outside(settings: &Settings) -> Result<bool, String> {
    let database = settings.storage.database();
    if database == DatabaseUrl::Sqlite(settings.storage.data_dir.join("callqa.db")) {
        return Ok(false);
    }
    let db = Db::connect(&database, 1).map_err(|e| e.to_string())?;
    db.migrate().map_err(|e| e.to_string())?;
    let mut conn = db.get().map_err(|e| e.to_string())?;
    User::owner_exists(&mut conn).map_err(|e| format!("{database}: {e}"))
}
