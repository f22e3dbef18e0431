-- Paying reviewers: a ledger of money owed (entries are only ever added), periods that
-- close, get approved and paid as a whole, the payout details a reviewer enters, and
-- per-script rates.

CREATE TABLE pay_periods (
    id                 TEXT PRIMARY KEY NOT NULL,
    -- 1, 2, 3, ...: two owners closing at once cannot both take the next number.
    number             INTEGER NOT NULL UNIQUE CHECK (number > 0),
    -- The nominal span: from the previous period's end (NULL for the first) to `ends_at`.
    starts_at          TIMESTAMP,
    ends_at            TIMESTAMP NOT NULL UNIQUE,
    status             TEXT NOT NULL CHECK (status IN ('closed', 'approved', 'paid')),
    closed_at          TIMESTAMP NOT NULL,
    closed_by          TEXT REFERENCES users (id),
    approved_at        TIMESTAMP,
    approved_by        TEXT REFERENCES users (id),
    paid_at            TIMESTAMP,
    paid_by            TEXT REFERENCES users (id),
    -- The day the money went out (YYYY-MM-DD) and the payout service's reference.
    paid_on            TEXT CHECK (paid_on IS NULL OR length(paid_on) = 10),
    payment_reference  TEXT CHECK (payment_reference IS NULL OR length(payment_reference) BETWEEN 1 AND 200)
);

CREATE TABLE pay_entries (
    id                  TEXT PRIMARY KEY NOT NULL,
    reviewer_id         TEXT NOT NULL REFERENCES users (id),
    kind                TEXT NOT NULL CHECK (kind IN ('review', 'reversal', 'reinstatement', 'bonus', 'deduction')),
    review_id           TEXT REFERENCES reviews (id),
    -- 0 for a review's first entry, 1 for its reversal, 2 for a reinstatement, ...: one
    -- entry per step of a review's story, whatever races.
    review_seq          INTEGER,
    -- Signed, in minor units (cents, kopecks) of `currency`.
    amount_minor        BIGINT NOT NULL,
    currency            TEXT NOT NULL CHECK (length(currency) = 3),
    -- How a review's amount was made: the rates in force, the call's length, the gold rule.
    review_rate_minor   BIGINT NOT NULL DEFAULT 0,
    minute_rate_minor   BIGINT NOT NULL DEFAULT 0,
    duration_ms         BIGINT NOT NULL DEFAULT 0,
    rate_source         TEXT NOT NULL DEFAULT 'settings' CHECK (rate_source IN ('settings', 'script', 'none')),
    gold_accuracy       INTEGER CHECK (gold_accuracy IS NULL OR gold_accuracy BETWEEN 0 AND 100),
    bonus_percent       INTEGER NOT NULL DEFAULT 0,
    bonus_minor         BIGINT NOT NULL DEFAULT 0,
    -- Held back for low gold accuracy: not paid until an owner releases it.
    held                BOOLEAN NOT NULL DEFAULT 0,
    released_at         TIMESTAMP,
    released_by         TEXT REFERENCES users (id),
    reason              TEXT CHECK (reason IS NULL OR length(reason) <= 1000),
    created_by          TEXT REFERENCES users (id),
    created_at          TIMESTAMP NOT NULL,
    period_id           TEXT REFERENCES pay_periods (id),
    UNIQUE (review_id, review_seq)
);
CREATE INDEX pay_entries_reviewer ON pay_entries (reviewer_id, created_at);
CREATE INDEX pay_entries_period ON pay_entries (period_id);
CREATE INDEX pay_entries_created ON pay_entries (created_at);

-- What each reviewer is owed by a closed period, per currency.
CREATE TABLE pay_period_totals (
    period_id     TEXT NOT NULL REFERENCES pay_periods (id),
    reviewer_id   TEXT NOT NULL REFERENCES users (id),
    currency      TEXT NOT NULL,
    amount_minor  BIGINT NOT NULL,
    entries       INTEGER NOT NULL,
    PRIMARY KEY (period_id, reviewer_id, currency)
);

-- Where a reviewer is paid: their legal name, tax number (INN) and a card or an account.
CREATE TABLE pay_payout_details (
    user_id      TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    full_name    TEXT NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    inn          TEXT NOT NULL CHECK (length(inn) IN (10, 12)),
    method       TEXT NOT NULL CHECK (method IN ('card', 'account')),
    card         TEXT,
    account      TEXT,
    bik          TEXT,
    updated_at   TIMESTAMP NOT NULL
);

-- A script's own rates, in place of the settings' (per review and per audio minute).
CREATE TABLE pay_script_rates (
    script_id          TEXT PRIMARY KEY NOT NULL REFERENCES scripts (id),
    review_rate_minor  BIGINT NOT NULL CHECK (review_rate_minor >= 0),
    minute_rate_minor  BIGINT NOT NULL CHECK (minute_rate_minor >= 0),
    updated_at         TIMESTAMP NOT NULL
);

-- Reviews sent before the ledger existed are owed what the history showed: the per-review
-- rate of the settings, in the settings' currency; a rejected one was paid and taken back,
-- so that a restore after the upgrade gives its money again.
INSERT INTO pay_entries (id, reviewer_id, kind, review_id, review_seq, amount_minor, currency,
                         review_rate_minor, reason, created_at)
SELECT 'carried-' || r.id, r.reviewer_id, 'review', r.id, 0,
       CAST(ROUND(COALESCE((SELECT CAST(REPLACE(value, ',', '.') AS REAL) FROM settings WHERE name = 'review_rate'), 0) * 100) AS INTEGER),
       COALESCE((SELECT value FROM settings WHERE name = 'currency'), 'USD'),
       CAST(ROUND(COALESCE((SELECT CAST(REPLACE(value, ',', '.') AS REAL) FROM settings WHERE name = 'review_rate'), 0) * 100) AS INTEGER),
       NULL, r.submitted_at
FROM reviews r
WHERE r.status IN ('accepted', 'rejected');

INSERT INTO pay_entries (id, reviewer_id, kind, review_id, review_seq, amount_minor, currency,
                         review_rate_minor, reason, created_by, created_at)
SELECT 'carried-reversal-' || r.id, r.reviewer_id, 'reversal', r.id, 1,
       -CAST(ROUND(COALESCE((SELECT CAST(REPLACE(value, ',', '.') AS REAL) FROM settings WHERE name = 'review_rate'), 0) * 100) AS INTEGER),
       COALESCE((SELECT value FROM settings WHERE name = 'currency'), 'USD'),
       CAST(ROUND(COALESCE((SELECT CAST(REPLACE(value, ',', '.') AS REAL) FROM settings WHERE name = 'review_rate'), 0) * 100) AS INTEGER),
       SUBSTR(r.reject_reason, 1, 1000), r.rejected_by, COALESCE(r.rejected_at, r.submitted_at)
FROM reviews r
WHERE r.status = 'rejected';
