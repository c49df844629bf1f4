-- recon.unsynced_documents: what did not reach the other system, or does not agree with it, and why.
--
-- Every document of recon.documents that is not in step (not_in_xero, different, duplicated,
-- only_in_xero), and every other document whose write is still open (sync.write_state: contacts,
-- allocations, Auxo-side writes that are refused, retrying, held, blocked, planned or sent). One plain-language reason and what to do per row;
-- the target system's own message is in `message`.
--
-- The planted problems of the demo show here: a number clash ("its number INV-… is already used by
-- another Xero invoice"), a locked period ("Held, not sent: … dated …, on or before Xero's lock
-- date …") and an archived contact ("its customer … is archived in Xero").
CREATE OR REPLACE VIEW recon.unsynced_documents AS
SELECT connection_id, business_date, CASE state WHEN 'only_in_xero' THEN 'xero' ELSE 'auxo' END AS made_in,
       document_kind, coalesce(auxo_number, xero_number, auxo_id) AS document, party, state, cause, reason,
       what_to_do,
       xero_message AS message, error_class, error_code, auxo_id, xero_id, ref
FROM recon.documents
WHERE state IN ('not_in_xero', 'different', 'duplicated', 'only_in_xero')
UNION ALL
SELECT l.connection_id, l.business_date, CASE l.target WHEN 'xero' THEN 'auxo' ELSE 'xero' END,
       l.entity, l.description, NULL, l.status,
       CASE l.state WHEN 'retrying' THEN 'retrying' WHEN 'refused' THEN 'refused'
                    WHEN 'blocked' THEN 'waiting_for_dependency' WHEN 'sent' THEN 'answer_lost'
                    WHEN 'planned' THEN CASE WHEN l.error_class = 'daily_limit' THEN 'daily_limit' ELSE 'planned' END
                    ELSE l.state END,
       CASE l.state
           WHEN 'retrying' THEN 'Not written yet: a temporary API problem; the next run looks it up, then retries it'
           WHEN 'refused' THEN 'Refused by ' || CASE l.target WHEN 'xero' THEN 'Xero' ELSE 'Auxo' END
                               || ': ' || coalesce(l.error_message, 'no reason given')
           WHEN 'held' THEN 'Held, not sent: ' || l.error_message
           WHEN 'blocked' THEN CASE WHEN strpos(l.error_message, ' waits for ') > 0
                                    THEN 'Waiting for ' || substr(l.error_message, strpos(l.error_message, ' waits for ') + 11)
                                    ELSE 'Waiting: ' || l.error_message END
           WHEN 'sent' THEN 'Sent, but the answer was lost: the next run looks it up before sending anything again'
           WHEN 'planned' THEN CASE WHEN l.error_class = 'daily_limit'
                                    THEN 'Planned, not sent: Xero''s calls for the day ran out; the next run sends it'
                                    ELSE 'Planned, not sent yet (a dry run, or the run stopped before it)' END
       END,
       coalesce(l.error_hint, 'Run the day' || coalesce(' (auxo-xero sync --date ' || l.business_date || ')', '')),
       l.error_message, l.error_class, l.error_code, CASE l.target WHEN 'xero' THEN l.source_id END,
       l.target_id, l.ref
FROM sync.write_state l
WHERE l.open
  AND NOT EXISTS (SELECT 1 FROM recon.documents d WHERE d.connection_id = l.connection_id AND d.ref = l.ref)
