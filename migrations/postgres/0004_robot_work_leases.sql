-- Robot work (issue 4): an open execution is leased to the worker that claimed or polls
-- it, so several desktops or workers on one database never start or poll the same job
-- twice. A lease that expires (a worker stopped) frees the execution for another.
ALTER TABLE executions ADD COLUMN lease_owner text;
ALTER TABLE executions ADD COLUMN lease_until timestamptz;

-- The claim looks for an open execution of a process; the poller walks open executions
-- by last update.
CREATE INDEX executions_open_process ON executions (process_id) WHERE status IN ('PENDENTE', 'EXECUTANDO');
CREATE INDEX executions_open_updated ON executions (updated_at) WHERE status IN ('PENDENTE', 'EXECUTANDO');
-- The executions screen: newest first.
CREATE INDEX executions_created ON executions (created_at);
