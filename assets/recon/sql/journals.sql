-- recon.journals: the inventory journals the sync posts, each beside its Xero manual journal.
--
-- cogs_journal: one per stock or job-ordered part line of a live invoice made while "Create
-- Inventory Journals" was on, for quantity x the part's average cost when the invoice was created,
-- Dr COGS, Cr Stock on Hand (stocked parts) or Work in Progress (job-ordered parts): the rule of
-- assets/inventory/supply.py, the recon.* macros documents.sql calls.
-- stock_journal: one per stock adjustment or stocktake line, for its value, Stock on Hand against
-- Stock Adjustment (the direction by the sign).
-- A journal is 'different' when its amount, its accounts or its balance (debits = credits) is not
-- what Auxo says. Xero journals on the inventory accounts that no Auxo record accounts for are
-- listed as document_kind 'journal', state only_in_xero. Rules and states: documents.sql.
CREATE OR REPLACE VIEW recon.journals AS
SELECT *
FROM recon.documents
WHERE document_kind IN ('cogs_journal', 'stock_journal', 'journal')
