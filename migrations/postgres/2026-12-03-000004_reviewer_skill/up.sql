-- The weighted consensus: a Dawid–Skene fit over all counted reviews (seeded by gold keys)
-- gives each reviewer a confusion matrix (how often they say each verdict when each one is
-- true) and the verdicts' base rates. A step's consensus weighs its reviewers' verdicts by
-- these. Refitted from the stored reviews, so nothing here is a source of truth.

-- One row per reviewer of the last fit: `matrix` is 9 numbers, row by true verdict
-- (correct, incorrect, missing), column by the verdict given.
CREATE TABLE reviewer_skill (
    reviewer_id  TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    labels       BIGINT NOT NULL,
    matrix       TEXT NOT NULL,
    fitted_at    TIMESTAMP NOT NULL
);

-- The last fit as a whole (one row): the base rates (3 numbers), its size, and whether it
-- had enough data to weigh reviewers at all (`weighted` false: plain majority is used).
CREATE TABLE consensus_fit (
    id          INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    priors      TEXT NOT NULL,
    labels      BIGINT NOT NULL,
    reviewers   INTEGER NOT NULL,
    iterations  INTEGER NOT NULL,
    weighted    BOOLEAN NOT NULL,
    fitted_at   TIMESTAMP NOT NULL
);
