//! People's names as the owner sees them (users and operator records alike). A file of its
//! own because both `users` and `operators` check names and each reads the other's types.

use crate::validation::FieldProblem;

/// A person's name as shown to the owner: trimmed, 1–200 characters.
pub fn parse_display_name(field: &str, raw: &str) -> Result<String, FieldProblem> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(FieldProblem::new(field, "required"));
    }
    if name.chars().count() > 200 {
        return Err(FieldProblem::new(field, "too_long").with("max", 200));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::parse_display_name;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(parse_display_name("name", "  Anna ").unwrap(), "Anna");
        assert_eq!(
            parse_display_name("name", "   ").unwrap_err().code,
            "required"
        );
        assert!(parse_display_name("name", &"я".repeat(200)).is_ok());
        let long = parse_display_name("name", &"я".repeat(201)).unwrap_err();
        assert_eq!((long.field.as_str(), long.code), ("name", "too_long"));
    }
}
