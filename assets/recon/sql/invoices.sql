-- recon.invoices: Auxo invoices beside their Xero sales invoices (ACCREC): totals, GST, amount
-- due, status, difference.
--
-- The same rows and columns as recon.documents (see documents.sql for the rules and the states),
-- for these documents only, plus Xero's documents of this kind made in Xero (state only_in_xero).
CREATE OR REPLACE VIEW recon.invoices AS
SELECT *
FROM recon.documents
WHERE document_kind IN ('invoice')
