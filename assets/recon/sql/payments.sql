-- recon.payments: Auxo payments and job deposits beside their Xero payments and prepayments:
-- amounts, status (deleted on either side), and for deposits the credit still to allocate.
--
-- The same rows and columns as recon.documents (see documents.sql for the rules and the states),
-- for these documents only, plus Xero's documents of this kind made in Xero (state only_in_xero).
CREATE OR REPLACE VIEW recon.payments AS
SELECT *
FROM recon.documents
WHERE document_kind IN ('payment', 'deposit')
