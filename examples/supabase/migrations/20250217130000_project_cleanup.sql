-- Cleanup after the tracker import: drop the imported project codes and store estimates as
-- integer minutes.
-- Why: the import is finished and no estimate needs more than 32 bits.
-- DELIBERATELY UNSAFE (see examples/README.md): both statements lose data or break code that
-- is still running.

SET lock_timeout = '5s';

-- The running app still selects legacy_code: its queries fail until it is redeployed.
ALTER TABLE public.projects DROP COLUMN legacy_code;

-- bigint to integer rejects larger values and rewrites the table under an exclusive lock.
ALTER TABLE public.tasks ALTER COLUMN estimate_minutes TYPE integer;
