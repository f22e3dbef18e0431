//! Where a recording is in its processing. A file of its own, importing nothing of the
//! domain, because the reviewer pool reads it while `recordings` refreshes the pool.

crate::text_enum! {
    /// Where a recording is in its processing.
    RecordingStatus {
        Queued = "queued",
        Processing = "processing",
        Ready = "ready",
        Failed = "failed",
    }
}
