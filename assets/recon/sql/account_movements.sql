-- recon.account_movements: per day and account, what Auxo's records say Xero must post, against what
-- Xero has posted. Debits positive; difference = xero_movement - auxo_movement, 0 when they tie out.
--
-- accounts_receivable (Xero's DEBTORS account): for invoices dated on or after the sync start date,
-- the amount customers owe on them — invoices raised (+ total, on the invoice date), credits
-- (- total on the credit date; in Xero the credit note's allocation to the invoice), payments
-- (- amount on the payment date) and job deposits applied (- amount when allocated, the later of
-- the deposit and the invoice dates; in Xero the prepayment's allocation), and Xero credit notes
-- Auxo records against its invoices. Void invoices and deleted payments count on neither side.
-- payment_clearing (mappings payments.clearing): payments on those invoices received into it —
-- Auxo by the payment method's account (mappings/payment_methods.yaml), Xero by the payment's
-- account; a payment entered in Xero counts where Xero put it.
-- cogs, stock_on_hand, work_in_progress, stock_adjustment: the rows of
-- recon.inventory_movements_by_day (the inventory package's view, its rules), when it exists.
--
-- A document that is not in Xero yet (recon.unsynced_documents) shows as a difference on its day.
CREATE OR REPLACE VIEW recon.account_movements AS
WITH
starts AS (SELECT connection_id, sync_start_date FROM recon.sync_starts),
receivable AS (
    SELECT connection_id, coalesce(any_value(code) FILTER (WHERE system_account = 'DEBTORS'), '610') AS account_code
    FROM staging.xero_accounts GROUP BY 1),
clearing AS (SELECT account_code FROM recon.mapped_accounts WHERE key = 'payments.clearing'),
methods AS (
    SELECT substr(key, length('payment_methods.') + 1) AS method, account_code
    FROM recon.mapped_accounts WHERE starts_with(key, 'payment_methods.')),
-- Auxo: invoices in scope and what was paid or credited against them
auxo_invoices AS (
    SELECT i.* FROM staging.auxo_invoices i JOIN starts st USING (connection_id)
    WHERE i.invoice_date >= st.sync_start_date AND coalesce(i.sync_status, 'pending') <> 'not_required'
      AND i.status IN ('issued', 'paid')),
auxo_payments AS (
    SELECT p.*, i.invoice_date,
           CASE WHEN p.source = 'xero' THEN xp.account_code
                ELSE coalesce(m.account_code, (SELECT account_code FROM clearing)) END AS account_code
    FROM staging.auxo_payments p
    JOIN auxo_invoices i ON i.connection_id = p.connection_id AND i.id = p.invoice_id
    LEFT JOIN methods m ON m.method = lower(p.method)
    LEFT JOIN staging.xero_payments xp ON xp.connection_id = p.connection_id AND xp.payment_id = p.xero_id
    WHERE p.status = 'active'),
auxo_moves AS (
    SELECT connection_id, invoice_date AS day, 'accounts_receivable' AS account_role, total AS amount
    FROM auxo_invoices
    UNION ALL
    SELECT k.connection_id, k.credit_date, 'accounts_receivable', -k.total
    FROM staging.auxo_invoice_credits k
    JOIN auxo_invoices i ON i.connection_id = k.connection_id AND i.id = k.invoice_id
    WHERE k.status = 'issued'
    UNION ALL
    SELECT connection_id, CASE kind WHEN 'deposit' THEN greatest(payment_date, invoice_date) ELSE payment_date END,
           'accounts_receivable', -amount
    FROM auxo_payments
    UNION ALL
    SELECT a.connection_id, a.date, 'accounts_receivable', -a.amount
    FROM staging.auxo_invoice_xero_allocations a
    JOIN auxo_invoices i ON i.connection_id = a.connection_id AND i.id = a.invoice_id
    UNION ALL
    SELECT connection_id, payment_date, 'payment_clearing', amount
    FROM auxo_payments
    WHERE kind = 'payment' AND account_code = (SELECT account_code FROM clearing)),
-- Xero: sales invoices in scope and what was paid or credited against them
xero_invoices AS (
    SELECT x.* FROM staging.xero_invoices x JOIN starts st USING (connection_id)
    WHERE x.type = 'ACCREC' AND x.date >= st.sync_start_date AND x.status IN ('AUTHORISED', 'PAID')),
xero_moves AS (
    SELECT connection_id, date AS day, 'accounts_receivable' AS account_role, total AS amount FROM xero_invoices
    UNION ALL
    SELECT a.connection_id, a.date, 'accounts_receivable', -a.amount
    FROM (SELECT * FROM staging.xero_credit_note_allocations
          UNION ALL SELECT * FROM staging.xero_prepayment_allocations) a
    JOIN xero_invoices x ON x.connection_id = a.connection_id AND x.invoice_id = a.invoice_id
    WHERE NOT coalesce(a.is_deleted, false)
    UNION ALL
    SELECT p.connection_id, p.date, 'accounts_receivable', -p.amount
    FROM staging.xero_payments p
    JOIN xero_invoices x ON x.connection_id = p.connection_id AND x.invoice_id = p.invoice_id
    WHERE p.status = 'AUTHORISED'
    UNION ALL
    SELECT p.connection_id, p.date, 'payment_clearing', p.amount
    FROM staging.xero_payments p
    JOIN xero_invoices x ON x.connection_id = p.connection_id AND x.invoice_id = p.invoice_id
    WHERE p.status = 'AUTHORISED' AND p.account_code = (SELECT account_code FROM clearing)),
auxo_by_day AS (
    SELECT connection_id, day, account_role, sum(amount) AS movement, count(*) AS documents
    FROM auxo_moves WHERE amount <> 0 GROUP BY ALL),
xero_by_day AS (
    SELECT connection_id, day, account_role, sum(amount) AS movement, count(*) AS documents
    FROM xero_moves WHERE amount <> 0 GROUP BY ALL),
money_accounts AS (
    SELECT coalesce(a.connection_id, x.connection_id) AS connection_id, coalesce(a.day, x.day) AS day,
           coalesce(a.account_role, x.account_role) AS account_role,
           coalesce(a.movement, 0) AS auxo_movement, coalesce(x.movement, 0) AS xero_movement,
           coalesce(a.documents, 0) AS auxo_documents, coalesce(x.documents, 0) AS xero_documents
    FROM auxo_by_day a FULL OUTER JOIN xero_by_day x USING (connection_id, day, account_role)),
movements AS (
    SELECT m.connection_id, m.day,
           CASE m.account_role WHEN 'accounts_receivable' THEN r.account_code
                               ELSE (SELECT account_code FROM clearing) END AS account_code,
           m.account_role, m.auxo_movement, m.xero_movement, m.auxo_documents, m.xero_documents
    FROM money_accounts m LEFT JOIN receivable r USING (connection_id)
    UNION ALL
    SELECT connection_id, day, account_code, account_role, auxo_movement, xero_movement, auxo_documents, xero_lines
    FROM {{recon.inventory_movements_by_day}})
SELECT m.connection_id, m.day, m.account_code, acc.name AS account_name, m.account_role,
       m.auxo_movement::DECIMAL(18, 2) AS auxo_movement, m.xero_movement::DECIMAL(18, 2) AS xero_movement,
       (m.xero_movement - m.auxo_movement)::DECIMAL(18, 2) AS difference,
       m.auxo_documents, m.xero_documents
FROM movements m
LEFT JOIN staging.xero_accounts acc ON acc.connection_id = m.connection_id AND acc.code = m.account_code
