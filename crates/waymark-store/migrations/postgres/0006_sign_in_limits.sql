-- Sign-in limits per client address as well as per email, and pruning of old failures by time.
ALTER TABLE login_failures ADD COLUMN client_hash BYTEA;
CREATE INDEX login_failures_client ON login_failures(client_hash, at);
CREATE INDEX login_failures_at ON login_failures(at);
