//! The neutral names under which a call's reviews are shown to owners and operators.

/// "Reviewer A", "Reviewer B", … by the order the reviews of one call came in: stable for
/// the call, unrelated to who the reviewer is.
pub fn reviewer_label(index: usize) -> String {
    let letters = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let letter = letters[index % letters.len()] as char;
    match index / letters.len() {
        0 => letter.to_string(),
        round => format!("{letter}{}", round + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::reviewer_label;

    #[test]
    fn labels_are_letters() {
        assert_eq!(reviewer_label(0), "A");
        assert_eq!(reviewer_label(2), "C");
        assert_eq!(reviewer_label(26), "A2");
    }
}
