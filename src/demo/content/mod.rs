//! What the demo is made of: the accounts, the operators, the inbound script in Russian and
//! English, and the twelve calls with the reviews some of them get. Plain data, so the plan
//! can be checked by unit tests before anything touches a database.
//!
//! - this file: the logins and the operator records;
//! - `script`: the inbound script's steps in both languages, and the Russian version 2;
//! - `calls`: the twelve calls and what each reviewer finds in them.

mod calls;
mod script;

pub use calls::{CALLS, DemoCall, Mark, RESOLVED_BY_VERSION_TWO};
pub use script::{Language, StepText, russian_version_two, script_name, script_steps, step};

use crate::accounts::Role;

/// A demo login with its fixed, printed password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoAccount {
    pub role: Role,
    pub login: &'static str,
    pub name: &'static str,
    pub password: &'static str,
}

pub const OWNER: DemoAccount = DemoAccount {
    role: Role::Owner,
    login: "owner",
    name: "Ольга Петрова",
    password: "demo-owner",
};

/// The two reviewers, in the order their reviews are planned below.
pub const REVIEWERS: [DemoAccount; 2] = [
    DemoAccount {
        role: Role::Reviewer,
        login: "reviewer1",
        name: "Reviewer Ivan",
        password: "demo-reviewer1",
    },
    DemoAccount {
        role: Role::Reviewer,
        login: "reviewer2",
        name: "Reviewer Kate",
        password: "demo-reviewer2",
    },
];

/// The operator login; it is linked to [`OPERATORS`]`[`[`LINKED_OPERATOR`]`]`.
pub const OPERATOR: DemoAccount = DemoAccount {
    role: Role::Operator,
    login: "operator",
    name: "Анна Смирнова",
    password: "demo-operator",
};

/// Every demo login, in the order they are printed.
pub fn accounts() -> [DemoAccount; 4] {
    [OWNER, REVIEWERS[0], REVIEWERS[1], OPERATOR]
}

/// An operator record: name and extension number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOperator {
    pub name: &'static str,
    pub extension: &'static str,
}

pub const OPERATORS: [DemoOperator; 3] = [
    DemoOperator {
        name: "Анна Смирнова",
        extension: "201",
    },
    DemoOperator {
        name: "Борис Ковалёв",
        extension: "202",
    },
    DemoOperator {
        name: "Emily Carter",
        extension: "203",
    },
];

/// The operator record the operator login belongs to.
pub const LINKED_OPERATOR: usize = 0;

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn accounts_are_valid_and_distinct() {
        let logins: HashSet<_> = accounts().iter().map(|a| a.login).collect();
        assert_eq!(logins.len(), 4);
        for account in accounts() {
            let operator = (account.role == Role::Operator)
                .then(|| crate::db::ids::OperatorId::from_raw("x".to_owned()));
            crate::accounts::users::NewUser::parse(
                account.role,
                account.login,
                account.name,
                account.password,
                operator,
            )
            .unwrap_or_else(|_| panic!("{} is a valid account", account.login));
        }
        assert_eq!(OPERATOR.name, OPERATORS[LINKED_OPERATOR].name);
    }
}
