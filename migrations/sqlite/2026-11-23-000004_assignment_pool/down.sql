DROP INDEX assignments_expiry;
DROP TABLE assignment_pool_size;
DROP TABLE assignment_pool;
