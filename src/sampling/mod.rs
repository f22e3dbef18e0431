//! Sampling plans: which calls of a script are reviewed.

crate::text_enum! {
    /// Where a call stands in its script's sampling plan (`None` on the recording: reviewed).
    Sample {
        /// In its period's sample; it goes to reviewers when the period ends.
        Held = "held",
        /// Not sampled: kept for the owner, never given to reviewers unless pulled in.
        Out = "out",
    }
}
