-- Routing by language: a script's calls are in one language, and a reviewer reviews the
-- languages listed for them (none listed: every language, so installations from before
-- this migration keep handing every call to every reviewer). The codes are checked by the
-- application against its fixed list; existing scripts are taken to be Russian, the first
-- market's language.
ALTER TABLE scripts ADD COLUMN language TEXT NOT NULL DEFAULT 'ru'
    CHECK (length(language) BETWEEN 2 AND 3);

CREATE TABLE reviewer_languages (
    user_id   TEXT NOT NULL REFERENCES users (id),
    language  TEXT NOT NULL CHECK (length(language) BETWEEN 2 AND 3),
    PRIMARY KEY (user_id, language)
);

-- The pool is partitioned by language: each language's calls are numbered densely
-- 0..size-1 on their own, with that size in assignment_pool_languages, so a draw limited to
-- some languages is still one random number and one index lookup. assignment_pool_size
-- keeps the total and stays the pool's lock.
CREATE TABLE assignment_pool_languages (
    language  TEXT PRIMARY KEY NOT NULL,
    size      INTEGER NOT NULL CHECK (size >= 0)
);

-- Every script is Russian now, so the pool's numbering is already the Russian one.
ALTER TABLE assignment_pool ADD COLUMN language TEXT NOT NULL DEFAULT 'ru';
ALTER TABLE assignment_pool ALTER COLUMN language DROP DEFAULT;
ALTER TABLE assignment_pool DROP CONSTRAINT assignment_pool_pkey;
ALTER TABLE assignment_pool ADD PRIMARY KEY (language, slot);
INSERT INTO assignment_pool_languages (language, size)
    SELECT 'ru', size FROM assignment_pool_size WHERE size > 0;
