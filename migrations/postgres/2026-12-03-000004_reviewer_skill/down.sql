DROP TABLE consensus_fit;
DROP TABLE reviewer_skill;
