-- recon.bills: Received Auxo purchase orders beside their Xero bills (ACCPAY): totals (freight
-- and the 1c rounding line included) and GST.
--
-- The same rows and columns as recon.documents (see documents.sql for the rules and the states),
-- for these documents only, plus Xero's documents of this kind made in Xero (state only_in_xero).
CREATE OR REPLACE VIEW recon.bills AS
SELECT *
FROM recon.documents
WHERE document_kind IN ('bill')
