-- The audit chain is keyed: entries from `keyed_from` on carry an HMAC-SHA-256 (with a key
-- derived from the master key) instead of a bare SHA-256, and `head_tag` is an HMAC over the
-- head row (seq, last_hash, keyed_from), so the head cannot be moved back after truncating the
-- log. Both are filled at the first start with the key (a chain that already has entries is
-- re-anchored with a recorded `audit.keyed` entry); until then they are empty.
ALTER TABLE audit_head ADD COLUMN keyed_from INTEGER;
ALTER TABLE audit_head ADD COLUMN head_tag TEXT NOT NULL DEFAULT '';
