-- recon.credit_notes: Auxo invoice credits beside their Xero credit notes (ACCRECCREDIT): totals,
-- GST, and the credit still to allocate (0 once allocated to its invoice).
--
-- The same rows and columns as recon.documents (see documents.sql for the rules and the states),
-- for these documents only, plus Xero's documents of this kind made in Xero (state only_in_xero).
CREATE OR REPLACE VIEW recon.credit_notes AS
SELECT *
FROM recon.documents
WHERE document_kind IN ('credit_note')
