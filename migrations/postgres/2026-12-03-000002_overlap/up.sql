-- Dynamic overlap: a call gets as many reviews as its answer needs, between its script's
-- minimum and maximum. A script's bounds are copied to each call when it is uploaded, so a
-- later change of the bounds does not move calls already in the pool. A call uploaded with
-- an explicit number of reviews has no bounds (NULL): its overlap is fixed at that number.
ALTER TABLE scripts ADD COLUMN min_reviews INTEGER NOT NULL DEFAULT 1
    CHECK (min_reviews BETWEEN 1 AND 20);
ALTER TABLE scripts ADD COLUMN max_reviews INTEGER NOT NULL DEFAULT 3
    CHECK (max_reviews BETWEEN 1 AND 20);
ALTER TABLE recordings ADD COLUMN reviews_min INTEGER;
ALTER TABLE recordings ADD COLUMN reviews_max INTEGER;
