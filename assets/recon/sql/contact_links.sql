-- recon.contact_links: every Auxo customer and supplier and the Xero contact it is (or will be) linked to.
--
-- link_state:
--   linked              Auxo records the Xero contact (its xero_contact_id), and it is active in Xero
--   linked_to_archived  linked, but the Xero contact is archived: new documents for it are refused
--   created             the sync created the Xero contact; Auxo is told its id on the same run
--   matched             the matcher found exactly one Xero contact; the next write links it in Auxo
--   review              several candidates, a name-only or an archived match: a person decides
--                       (recon.contact_review)
--   create_failed       Xero refused to create it (reason says why)
--   to_create           nothing like it in Xero: the sync creates it
--   not_matched_yet     the contact plans have not run since it appeared
-- Documents of a contact that is not linked wait (recon.unsynced_documents says which).
CREATE OR REPLACE VIEW recon.contact_links AS
WITH
auxo AS (
    SELECT connection_id, 'customer' AS kind, id AS auxo_id, name, email, coalesce(phone, mobile) AS phone,
           archived, xero_id, sync_status
    FROM staging.auxo_customers
    UNION ALL
    SELECT connection_id, 'supplier', id, name, email, coalesce(phone, mobile), archived, xero_id, sync_status
    FROM staging.auxo_suppliers),
created AS (
    SELECT connection_id, ref, target_id FROM sync.known_targets WHERE target = 'xero' AND entity = 'contact'),
matches AS (SELECT * FROM {{plans.contact_matches}}),
writes AS (
    SELECT connection_id, ref, status, error_message, error_hint
    FROM sync.write_state
    WHERE target = 'xero' AND entity = 'contact' AND operation = 'create' AND state <> 'skipped'),
linked AS (
    SELECT a.*, 'contact:' || a.kind || ':' || a.auxo_id AS ref,
           m.decision, m.matched_on, m.candidates, m.reason AS match_reason,
           w.status AS create_status, w.error_message, w.error_hint,
           coalesce(a.xero_id, c.target_id, CASE WHEN m.decision IN ('link', 'linked') THEN m.xero_contact_id END)
               AS xero_contact_id,
           CASE WHEN a.xero_id IS NOT NULL THEN 'recorded in Auxo'
                WHEN c.target_id IS NOT NULL THEN 'created by the sync'
                WHEN m.decision = 'link' THEN 'matched' END AS link_source
    FROM auxo a
    LEFT JOIN created c ON c.connection_id = a.connection_id AND c.ref = 'contact:' || a.kind || ':' || a.auxo_id
    LEFT JOIN matches m ON m.connection_id = a.connection_id AND m.kind = a.kind AND m.auxo_id = a.auxo_id
    LEFT JOIN writes w ON w.connection_id = a.connection_id AND w.ref = 'contact:' || a.kind || ':' || a.auxo_id),
stated AS (
    SELECT l.*, x.name AS xero_name, x.status AS xero_status, x.merged_to_contact_id,
           CASE
               WHEN l.xero_contact_id IS NOT NULL AND x.status = 'ARCHIVED' THEN 'linked_to_archived'
               WHEN l.link_source = 'recorded in Auxo' THEN 'linked'
               WHEN l.link_source = 'created by the sync' THEN 'created'
               WHEN l.link_source = 'matched' THEN 'matched'
               WHEN l.decision = 'review' THEN 'review'
               WHEN l.create_status = 'failed' THEN 'create_failed'
               WHEN l.decision = 'create' THEN 'to_create'
               ELSE 'not_matched_yet'
           END AS link_state
    FROM linked l
    LEFT JOIN staging.xero_contacts x ON x.connection_id = l.connection_id AND x.contact_id = l.xero_contact_id)
SELECT connection_id, kind, auxo_id, name AS auxo_name, email AS auxo_email, phone AS auxo_phone,
       link_state, xero_contact_id, xero_name, xero_status, link_source, matched_on, candidates,
       CASE link_state
           WHEN 'linked' THEN 'Linked'
           WHEN 'linked_to_archived' THEN 'Linked to ' || coalesce(xero_name, xero_contact_id)
                || ', which is archived in Xero' || CASE WHEN merged_to_contact_id IS NOT NULL
                                                         THEN ' (merged into ' || merged_to_contact_id || ')' ELSE '' END
           WHEN 'created' THEN 'Created in Xero by the sync'
           WHEN 'matched' THEN 'Matched to ' || coalesce(xero_name, xero_contact_id) || ' by ' || coalesce(matched_on, 'name')
           WHEN 'review' THEN 'Waiting for a person: ' || coalesce(match_reason, 'more than one possible Xero contact')
           WHEN 'create_failed' THEN 'Xero refused to create it: ' || coalesce(error_message, '')
           WHEN 'to_create' THEN 'Not in Xero: the sync creates it'
           ELSE 'Not matched yet: run the day'
       END AS reason,
       CASE link_state
           WHEN 'linked_to_archived' THEN 'Restore the contact in Xero, or link the Auxo record to the contact that '
                                          || 'replaced it; then re-run the days of its documents (with '
                                          || '--resend-refused if it was restored in Xero)'
           WHEN 'review' THEN 'Pick the right Xero contact (recon.contact_review) and record it on the Auxo '
                              || kind || ', or make the match unambiguous in Xero; then re-run the day'
           WHEN 'create_failed' THEN coalesce(error_hint, 'Fix the contact as Xero says, then re-run the day')
       END AS what_to_do,
       ref
FROM stated
