-- recon.day_summary: one row per business day — do Auxo and Xero agree, and what did the sync do?
--
-- Documents (recon.documents) by state, writes (sync.write_ledger) by status, and the accounts whose
-- movement differs that day (recon.account_movements). verdict: 'ties out' when every document is
-- in step (or not required) and no account differs; otherwise 'needs attention' — the day's rows
-- in recon.unsynced_documents say why.
CREATE OR REPLACE VIEW recon.day_summary AS
WITH
docs AS (
    SELECT connection_id, business_date AS day,
           count(*) FILTER (WHERE auxo_id IS NOT NULL AND state <> 'not_required') AS auxo_documents,
           count(*) FILTER (WHERE state = 'in_step') AS in_step,
           count(*) FILTER (WHERE state = 'different') AS different,
           count(*) FILTER (WHERE state = 'not_in_xero') AS not_in_xero,
           count(*) FILTER (WHERE state = 'duplicated') AS duplicated,
           count(*) FILTER (WHERE state = 'only_in_xero') AS only_in_xero
    FROM recon.documents WHERE business_date IS NOT NULL AND state <> 'not_required' GROUP BY ALL),
writes AS (
    SELECT connection_id, business_date AS day,
           count(*) FILTER (WHERE state = 'confirmed') AS writes_confirmed,
           count(*) FILTER (WHERE state IN ('refused', 'retrying')) AS writes_failed,
           count(*) FILTER (WHERE state IN ('held', 'blocked')) AS writes_waiting,
           count(*) FILTER (WHERE state IN ('planned', 'sent')) AS writes_open
    FROM sync.writes WHERE business_date IS NOT NULL GROUP BY ALL),
accounts AS (
    SELECT connection_id, day, count(*) FILTER (WHERE difference <> 0) AS accounts_differing,
           array_to_string(list(account_code || ' ' || difference ORDER BY account_code)
                           FILTER (WHERE difference <> 0), ', ') AS account_differences
    FROM recon.account_movements GROUP BY ALL),
days AS (
    SELECT connection_id, day FROM docs UNION SELECT connection_id, day FROM writes
    UNION SELECT connection_id, day FROM accounts)
SELECT d.connection_id, d.day,
       coalesce(o.auxo_documents, 0) AS auxo_documents, coalesce(o.in_step, 0) AS in_step,
       coalesce(o.different, 0) AS different, coalesce(o.not_in_xero, 0) AS not_in_xero,
       coalesce(o.duplicated, 0) AS duplicated, coalesce(o.only_in_xero, 0) AS only_in_xero,
       coalesce(w.writes_confirmed, 0) AS writes_confirmed, coalesce(w.writes_failed, 0) AS writes_failed,
       coalesce(w.writes_waiting, 0) AS writes_waiting, coalesce(w.writes_open, 0) AS writes_open,
       coalesce(a.accounts_differing, 0) AS accounts_differing, a.account_differences,
       CASE WHEN coalesce(o.different, 0) + coalesce(o.not_in_xero, 0) + coalesce(o.duplicated, 0)
                 + coalesce(o.only_in_xero, 0) + coalesce(a.accounts_differing, 0) = 0
            THEN 'ties out' ELSE 'needs attention' END AS verdict
FROM days d
LEFT JOIN docs o USING (connection_id, day)
LEFT JOIN writes w USING (connection_id, day)
LEFT JOIN accounts a USING (connection_id, day)
