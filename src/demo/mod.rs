//! `callqa demo`: a ready-to-try installation in its own data directory. On first start it is
//! seeded through the same domain functions the pages and the API use: four logins, three
//! operators, the inbound script in Russian and English (the Russian one in two versions),
//! twelve short synthetic calls (shipped in `assets/demo/`), and reviews of two thirds of
//! them, so the gap queue, the operator pages and the overview have something to show.
//!
//! - [`content`]: what the demo is made of (pure data, unit-tested);
//! - [`seed`]: putting it into a running application;
//! - [`prepare_data_dir`] and [`mark_seeded`]: which directory may be seeded or wiped.

pub mod content;
pub mod seed;

use std::path::Path;

use rust_embed::RustEmbed;

pub use seed::{Seeded, seed};

/// The demo calls, compiled into the binary (and not served as web assets).
#[derive(RustEmbed)]
#[folder = "assets/demo/"]
#[include = "*.mp3"]
pub struct Audio;

/// The file in the data directory that says it holds demo data and how far seeding got.
pub const MARKER_FILE: &str = "callqa-demo.state";
const SEEDING: &str = "seeding";
const SEEDED: &str = "seeded";

/// What to do with the data directory before the server starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirPlan {
    /// Seeded before: start as it is.
    StartAsIs,
    /// Empty (or just wiped): seed it once the server is up.
    Seed,
}

/// Decides what to do with `dir` and makes it so: wipes it for `reset` (or after seeding
/// was interrupted), refuses to touch a directory that is not a demo directory, and marks a
/// directory about to be seeded. `database_outside`: the data lives in a database given by
/// URL that still holds accounts; this command never empties one, so it then refuses to wipe
/// the directory that belongs with it.
pub fn prepare_data_dir(
    dir: &Path,
    reset: bool,
    database_outside: bool,
) -> Result<DirPlan, String> {
    let marker = std::fs::read_to_string(dir.join(MARKER_FILE)).ok();
    let state = marker.as_deref().map(str::trim);
    let has_content = std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some());
    if has_content && state.is_none() {
        return Err(format!(
            "{} is not a callqa demo directory; give `--data-dir` an empty or new directory",
            dir.display()
        ));
    }
    let wipe = has_content && (reset || state != Some(SEEDED));
    if !wipe && state == Some(SEEDED) {
        return Ok(DirPlan::StartAsIs);
    }
    if wipe {
        if database_outside {
            return Err(if reset {
                "`--reset` does not empty a database given by CALLQA_DATABASE_URL: drop and \
                 create it again, then run `callqa demo --reset`"
                    .to_owned()
            } else {
                format!(
                    "seeding the demo in {} was interrupted; empty the database given by \
                     CALLQA_DATABASE_URL and run `callqa demo --reset`",
                    dir.display()
                )
            });
        }
        std::fs::remove_dir_all(dir)
            .map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    std::fs::write(dir.join(MARKER_FILE), SEEDING)
        .map_err(|e| format!("cannot write to {}: {e}", dir.display()))?;
    Ok(DirPlan::Seed)
}

/// Records that seeding finished, so the next start keeps the data.
pub fn mark_seeded(dir: &Path) -> Result<(), String> {
    std::fs::write(dir.join(MARKER_FILE), SEEDED)
        .map_err(|e| format!("cannot write to {}: {e}", dir.display()))
}

/// The lines printed once the demo is up: where it runs, the logins in a table, where the
/// data lives.
pub fn welcome(base_url: &str, data_dir: &Path) -> String {
    let accounts = content::accounts();
    let rows: Vec<[&str; 3]> = std::iter::once(["role", "login", "password"])
        .chain(
            accounts
                .iter()
                .map(|a| [a.role.as_str(), a.login, a.password]),
        )
        .collect();
    let width = |column: usize| rows.iter().map(|r| r[column].len()).max().unwrap_or(0);
    let (role_width, login_width) = (width(0), width(1));
    let mut text = format!("callqa demo is running at {base_url}/ (Ctrl-C to stop)\n\n");
    for (index, [role, login, password]) in rows.iter().enumerate() {
        text.push_str(&format!(
            "  {role:<role_width$}  {login:<login_width$}  {password}\n"
        ));
        if index == 0 {
            text.push_str(&format!(
                "  {}  {}  {}\n",
                "-".repeat(role_width),
                "-".repeat(login_width),
                "-".repeat(width(2))
            ));
        }
    }
    text.push_str(&format!(
        "\nThe demo data lives in {}; `callqa demo --reset` starts over.\n",
        data_dir.display()
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_directory_is_seeded_then_kept() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("demo");
        assert_eq!(prepare_data_dir(&dir, false, false), Ok(DirPlan::Seed));
        std::fs::write(dir.join("callqa.db"), "data").unwrap();
        mark_seeded(&dir).unwrap();
        assert_eq!(prepare_data_dir(&dir, false, false), Ok(DirPlan::StartAsIs));
        assert!(dir.join("callqa.db").exists());
    }

    #[test]
    fn reset_and_interrupted_seeding_start_over() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("demo");
        prepare_data_dir(&dir, false, false).unwrap();
        std::fs::write(dir.join("callqa.db"), "half").unwrap();
        // Interrupted: the marker still says "seeding".
        assert_eq!(prepare_data_dir(&dir, false, false), Ok(DirPlan::Seed));
        assert!(!dir.join("callqa.db").exists());
        std::fs::write(dir.join("callqa.db"), "data").unwrap();
        mark_seeded(&dir).unwrap();
        assert_eq!(prepare_data_dir(&dir, true, false), Ok(DirPlan::Seed));
        assert!(!dir.join("callqa.db").exists());
        // A database given by URL is never emptied by this command.
        std::fs::write(dir.join("callqa.db"), "data").unwrap();
        assert!(prepare_data_dir(&dir, true, true).is_err());
        assert!(dir.join("callqa.db").exists());
    }

    #[test]
    fn other_directories_are_left_alone() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("callqa.db"), "real data").unwrap();
        for reset in [false, true] {
            assert!(prepare_data_dir(root.path(), reset, false).is_err());
        }
        assert!(root.path().join("callqa.db").exists());
        // An existing empty directory is fine.
        let empty = root.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert_eq!(prepare_data_dir(&empty, false, false), Ok(DirPlan::Seed));
    }

    #[test]
    fn the_welcome_lists_every_login() {
        let text = welcome("http://127.0.0.1:8080", Path::new("./callqa-demo"));
        assert!(text.contains("http://127.0.0.1:8080/"));
        for account in content::accounts() {
            let line = text
                .lines()
                .find(|l| l.split_whitespace().nth(1) == Some(account.login))
                .unwrap();
            assert!(line.ends_with(account.password));
        }
        assert!(text.contains("./callqa-demo") && text.contains("--reset"));
    }
}
