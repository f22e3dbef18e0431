//! The verdicts a reviewer gives a step, on their own so that the read side (consensus,
//! recordings, dashboards) can name them without the validation that needs the script.

crate::text_enum! {
    /// A reviewer's verdict on one step.
    Verdict {
        /// The step was done as the script says.
        Correct = "correct",
        /// The step was done, but not as it should have been.
        Incorrect = "incorrect",
        /// The script has no handling for what happened here: a gap.
        Missing = "missing",
        /// The moment of an optional step never came (the customer hung up before it): it
        /// counts neither for nor against the operator, nor as a gap. Only on optional steps.
        DidNotArise = "did_not_arise",
    }
}
