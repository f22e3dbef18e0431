-- A review the owner looked at after it was flagged (too fast, the same answer everywhere,
-- far from the consensus, not listened to) and kept: it leaves the list of reviews to check.
ALTER TABLE reviews ADD COLUMN checked_at TIMESTAMP;
ALTER TABLE reviews ADD COLUMN checked_by TEXT REFERENCES users (id);

-- The list of reviews to check reads the newest reviews first.
CREATE INDEX reviews_submitted ON reviews (submitted_at);
