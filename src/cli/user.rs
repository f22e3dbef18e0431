//! `callqa user add`: create an account from the command line (for scripting, provisioning
//! and tests). The password is read from standard input so it never shows in `ps` or shell
//! history.

use std::io::BufRead;

use clap::{Args, Subcommand};

use crate::accounts::users::NewUser;
use crate::accounts::{AccountError, Role, User};
use crate::config::StorageSettings;
use crate::db::Db;
use crate::db::ids::OperatorId;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; prints the new user's id.
    Add(AddUser),
}

#[derive(Debug, Args)]
pub struct AddUser {
    #[command(flatten)]
    storage: StorageSettings,
    /// owner, reviewer or operator.
    #[arg(long)]
    role: String,
    /// The login name (letters, digits and . _ - @).
    #[arg(long)]
    login: String,
    /// The person's name as the owner sees it.
    #[arg(long)]
    name: String,
    /// Read the password from the first line of standard input (required).
    #[arg(long, required = true)]
    password_stdin: bool,
    /// For an operator: the id of their operator record.
    #[arg(long)]
    operator_id: Option<String>,
}

pub fn run(command: UserCommand) -> Result<(), String> {
    match command {
        UserCommand::Add(args) => add(args),
    }
}

fn add(args: AddUser) -> Result<(), String> {
    let role = Role::parse(args.role.trim()).ok_or_else(|| {
        format!(
            "unknown role `{}`: use owner, reviewer or operator",
            args.role
        )
    })?;
    let mut password = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut password)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let password = password.trim_end_matches(['\r', '\n']);
    let new_user = NewUser::parse(
        role,
        &args.login,
        &args.name,
        password,
        args.operator_id.map(OperatorId::from_raw),
    )
    .map_err(describe)?;
    std::fs::create_dir_all(&args.storage.data_dir)
        .map_err(|e| format!("cannot create {}: {e}", args.storage.data_dir.display()))?;
    let db = Db::connect(&args.storage.database(), 1).map_err(|e| e.to_string())?;
    db.migrate().map_err(|e| e.to_string())?;
    let mut conn = db.get().map_err(|e| e.to_string())?;
    let user = User::create(&mut conn, &new_user).map_err(describe)?;
    println!("{}", user.id);
    Ok(())
}

/// Field problems in plain English for the terminal.
fn describe(error: AccountError) -> String {
    match error {
        AccountError::Invalid(problems) => problems
            .iter()
            .map(|p| {
                let message = crate::i18n::Lang::En
                    .translate_with(&format!("invalid-{}", p.code.replace('_', "-")), &p.args);
                format!("--{}: {message}", p.field.replace('_', "-"))
            })
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    }
}
