-- recon.sync_starts: the sync start date per connection (the latest Auxo sync setting), one row each.
--
-- Documents dated before it are not the sync's to send (recon.documents: not_required) and do not
-- count in recon.account_movements. Read by both, so the rule lives in one place.
CREATE OR REPLACE VIEW recon.sync_starts AS
SELECT connection_id, max(sync_start_date) AS sync_start_date
FROM staging.auxo_sync_settings GROUP BY 1
