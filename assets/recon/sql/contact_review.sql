-- recon.contact_review: the review queue — Auxo contacts the sync will neither link nor create
-- until a person decides, one row per candidate Xero contact.
--
-- reason says why it is not automatic: several active Xero contacts match, only the name matches,
-- or the only match is archived. documents_waiting counts the contact's Auxo documents held back
-- meanwhile (recon.unsynced_documents lists them). To decide: record the chosen Xero contact on the
-- Auxo customer or supplier (its Xero link), or make the match unambiguous in Xero (archive the
-- wrong candidate, correct a phone or email); the next run of the day then sends the documents.
CREATE OR REPLACE VIEW recon.contact_review AS
WITH waiting AS (
    SELECT d.connection_id, d.party_id, count(*) AS documents
    FROM recon.documents d WHERE d.state = 'not_in_xero' GROUP BY ALL)
SELECT r.connection_id, r.kind, r.auxo_id, r.auxo_name, r.auxo_email, r.auxo_phone,
       r.xero_contact_id AS candidate_xero_contact_id, r.xero_name AS candidate_name,
       r.xero_email AS candidate_email, r.xero_status AS candidate_status, r.score, r.matched_on, r.reason,
       coalesce(w.documents, 0) AS documents_waiting
FROM {{plans.contact_review}} r
LEFT JOIN waiting w ON w.connection_id = r.connection_id AND w.party_id = r.auxo_id
