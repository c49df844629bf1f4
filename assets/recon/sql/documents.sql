-- recon.documents: every Auxo document the sync is responsible for, beside its Xero counterpart.
--
-- One row per Auxo invoice, credit, payment, job deposit, received purchase order (bill), costed
-- part line (COGS journal) and stock adjustment (stock journal), plus the Xero documents of those
-- kinds that no Auxo document accounts for (state 'only_in_xero').
--
-- The counterpart is found by id only: the Xero id Auxo records on the document, or the id the
-- ledger (sync.write_ledger) confirmed when the sync created it; payments and deposits also by the
-- Reference the sync writes ('Auxo PAY <id>', 'Auxo DEP <id>'). Never by number: a Xero invoice
-- that happens to carry an Auxo number is a number clash, not the counterpart. Ledger refs are
-- those of pipelines/sync/refs.py (invoice:<id>, cogs:<invoice line id>, stock_journal:<id>...).
--
-- Money: *_total, *_gst, *_amount_due in AUD; *_difference = Xero - Auxo. Amount due is the
-- balance still owing (invoices), the credit not yet allocated (credit notes, deposits), null where
-- Auxo does not keep one (payments, bills, journals). For journals the total is the amount posted
-- (the debit side).
--
-- state:
--   in_step       Auxo and Xero agree, to the cent
--   different     both have it, but something differs (see reason)
--   duplicated    more than one live Xero document is this Auxo document
--   not_in_xero   not in Xero (yet): reason says why — refused, held, waiting, planned, not planned
--   only_in_xero  made in Xero; no Auxo document of this kind accounts for it
--   not_required  the sync does not send it (void before it was sent, a switch was off, before the
--                 sync start date)
--
-- Freshness: this view reads staging, i.e. both systems as last extracted. A run of the day
-- extracts first and writes last, so the recon/views asset re-reads each system the run wrote to
-- (a light, incremental extraction) before creating the views: after a run they describe both
-- systems as they were at its end. Materialising recon/views on its own re-reads both systems.
CREATE OR REPLACE VIEW recon.documents AS
WITH
starts AS (SELECT connection_id, sync_start_date FROM recon.sync_starts),
-- each switch's value over the span it held (a handful of rows: joined by hash on the connection
-- with the span as a range condition, which is far cheaper than an ASOF join over millions of lines)
switches AS (
    SELECT connection_id, setting, value, changed_at,
           coalesce(lead(changed_at) OVER (PARTITION BY connection_id, setting ORDER BY changed_at),
                    'infinity'::TIMESTAMPTZ) AS changed_until
    FROM staging.auxo_sync_setting_history),
accounts AS (SELECT key, account_code FROM recon.mapped_accounts),
-- recon.in_sync_scope(sync_status, date, sync_start_date), recon.effective_supply(...) and friends are
-- the planners' own rules, created as macros from assets/inventory/supply.py and toggles.py

-- ---- Auxo side: one row per document, in a common shape ------------------------------------
invoices AS (
    SELECT i.connection_id, 'invoice' AS document_kind, i.id AS auxo_id, i.number AS auxo_number,
           i.invoice_date AS business_date, c.name AS party, i.status AS auxo_status,
           i.total AS auxo_total, i.gst AS auxo_gst,
           CASE WHEN i.status = 'void' THEN 0 ELSE i.balance END AS auxo_amount_due,
           i.xero_id AS auxo_xero_id, 'invoice:' || i.id AS ref, i.status = 'void' AS auxo_cancelled,
           CASE WHEN NOT recon.in_sync_scope(i.sync_status, i.invoice_date, st.sync_start_date) THEN 'dated before the sync start date'
                WHEN i.status = 'draft' THEN 'a draft in Auxo' END AS not_required_reason,
           'invoice' AS xero_kind, NULL::VARCHAR AS expected_debit, NULL::VARCHAR AS expected_credit,
           i.customer_id AS party_id, NULL::VARCHAR AS related_ref
    FROM staging.auxo_invoices i
    LEFT JOIN starts st USING (connection_id)
    LEFT JOIN staging.auxo_customers c ON c.connection_id = i.connection_id AND c.id = i.customer_id),
credits AS (
    SELECT k.connection_id, 'credit_note', k.id, k.number, k.credit_date, c.name, k.status,
           k.total, k.gst, CASE WHEN k.status = 'void' THEN NULL ELSE 0 END,
           k.xero_id, 'credit_note:' || k.id, k.status = 'void',
           CASE WHEN NOT recon.in_sync_scope(k.sync_status, k.credit_date, st.sync_start_date) THEN 'dated before the sync start date' END,
           'credit_note', NULL, NULL, k.customer_id, 'credit_allocation:' || k.id
    FROM staging.auxo_invoice_credits k
    LEFT JOIN starts st USING (connection_id)
    LEFT JOIN staging.auxo_customers c ON c.connection_id = k.connection_id AND c.id = k.customer_id),
payments AS (
    SELECT p.connection_id, CASE p.kind WHEN 'deposit' THEN 'deposit' ELSE 'payment' END,
           p.id, coalesce(i.number, p.reference, p.id), p.payment_date, c.name,
           p.status || CASE WHEN p.source = 'xero' THEN ' (entered in Xero)' ELSE '' END,
           p.amount, NULL::DECIMAL(18, 2),
           CASE WHEN p.kind = 'deposit' AND p.status = 'active'
                THEN CASE WHEN p.invoice_id IS NULL THEN p.amount ELSE 0 END END,
           p.xero_id, CASE p.kind WHEN 'deposit' THEN 'prepayment:' ELSE 'payment:' END || p.id,
           p.status = 'deleted',
           CASE WHEN NOT recon.in_sync_scope(p.sync_status, p.payment_date, st.sync_start_date) THEN 'dated before the sync start date' END,
           CASE p.kind WHEN 'deposit' THEN 'prepayment' ELSE 'payment' END, NULL, NULL, p.customer_id,
           CASE p.kind WHEN 'deposit' THEN 'prepayment_allocation:' || p.id END
    FROM staging.auxo_payments p
    LEFT JOIN starts st USING (connection_id)
    LEFT JOIN staging.auxo_invoices i ON i.connection_id = p.connection_id AND i.id = p.invoice_id
    LEFT JOIN staging.auxo_customers c ON c.connection_id = p.connection_id AND c.id = p.customer_id),
orders AS (
    SELECT o.*, coalesce(s.value, false) AS send_on
    FROM staging.auxo_purchase_orders o
    LEFT JOIN (SELECT * FROM switches WHERE setting = 'send_purchase_orders') s
      ON s.connection_id = o.connection_id AND o.received_at >= s.changed_at AND o.received_at < s.changed_until
    WHERE o.status = 'received'),
bills AS (
    SELECT o.connection_id, 'bill', o.id, o.number, o.received_date, s.name, o.status,
           o.total, o.gst, NULL::DECIMAL(18, 2),
           o.xero_id, 'bill:' || o.id, false,
           CASE WHEN o.xero_id IS NOT NULL THEN NULL
                WHEN NOT recon.in_sync_scope(o.sync_status, o.received_date, st.sync_start_date) THEN 'received before the sync start date'
                WHEN NOT o.send_on THEN '"Send Purchase Orders to Xero" was off when it was received' END,
           'bill', NULL, NULL, o.supplier_id, NULL
    FROM orders o
    LEFT JOIN starts st USING (connection_id)
    LEFT JOIN staging.auxo_suppliers s ON s.connection_id = o.connection_id AND s.id = o.supplier_id),
-- COGS: one journal per stock or job-ordered part line, at the part's average cost when the
-- invoice was created (the same rule as recon.inventory_movements_by_day). Which lines are costed,
-- and their stock account, are the recon.* macros of assets/inventory/supply.py (the planner's rule)
part_lines AS (
    SELECT l.connection_id, l.document_id, l.line_id, l.line_no, l.part_id, l.quantity,
           l.xero_cogs_journal_id,
           recon.effective_supply(l.supply, l.purchase_order_id, p.stocked) AS supply
    FROM staging.auxo_invoice_lines l
    LEFT JOIN staging.auxo_parts p ON p.connection_id = l.connection_id AND p.id = l.part_id
    WHERE l.kind = 'part'),
-- two cost entries at one instant (two lines of one receipt): the later id is the latest, as Auxo lists them
cost_history AS (
    SELECT * FROM staging.auxo_part_cost_history
    QUALIFY row_number() OVER (PARTITION BY connection_id, part_id, effective_at ORDER BY id DESC) = 1),
costed AS (
    SELECT pl.*, i.number AS invoice_number, i.invoice_date, i.status AS invoice_status, i.created_at,
           i.sync_status AS invoice_sync_status, i.customer_id,
           round(pl.quantity * h.average_cost, 2)::DECIMAL(18, 2) AS amount
    FROM part_lines pl
    JOIN staging.auxo_invoices i ON i.connection_id = pl.connection_id AND i.id = pl.document_id
    ASOF LEFT JOIN cost_history h
      ON h.connection_id = pl.connection_id AND h.part_id = pl.part_id AND i.created_at >= h.effective_at
    WHERE recon.costed_supply(pl.supply)),
cogs AS (
    SELECT c.connection_id, 'cogs_journal', c.line_id, c.invoice_number, c.invoice_date, cu.name,
           c.invoice_status, c.amount, NULL::DECIMAL(18, 2), NULL::DECIMAL(18, 2),
           c.xero_cogs_journal_id, 'cogs:' || c.line_id, false,
           CASE WHEN c.xero_cogs_journal_id IS NOT NULL THEN NULL
                WHEN NOT recon.in_sync_scope(c.invoice_sync_status, c.invoice_date, st.sync_start_date) THEN 'invoiced before the sync start date'
                WHEN c.invoice_status NOT IN ('issued', 'paid') THEN 'its invoice is ' || c.invoice_status
                WHEN NOT coalesce(s.value, false)
                  THEN '"Create Inventory Journals" was off when the invoice was created'
                WHEN coalesce(c.amount, 0) = 0 THEN 'costs nothing' END,
           'journal', (SELECT account_code FROM accounts WHERE key = 'inventory.cogs'),
           (SELECT account_code FROM accounts
            WHERE key = 'inventory.' || recon.stock_account_role(c.supply)),
           c.customer_id, NULL
    FROM costed c
    LEFT JOIN starts st USING (connection_id)
    LEFT JOIN staging.auxo_customers cu ON cu.connection_id = c.connection_id AND cu.id = c.customer_id
    LEFT JOIN (SELECT * FROM switches WHERE setting = 'create_inventory_journals') s
      ON s.connection_id = c.connection_id AND c.created_at >= s.changed_at AND c.created_at < s.changed_until),
stock AS (
    SELECT a.connection_id, 'stock_journal', a.id, a.number, a.adjustment_date, NULL, a.kind,
           abs(a.value)::DECIMAL(18, 2), NULL::DECIMAL(18, 2), NULL::DECIMAL(18, 2),
           a.xero_id, 'stock_journal:' || a.id, false,
           CASE WHEN a.xero_id IS NOT NULL THEN NULL
                WHEN NOT recon.in_sync_scope(a.sync_status, a.adjustment_date, st.sync_start_date) THEN 'dated before the sync start date'
                WHEN NOT coalesce(s.value, false)
                  THEN '"Create Inventory Journals" was off when it was made'
                WHEN a.value = 0 THEN 'changes no value' END,
           'journal',
           (SELECT account_code FROM accounts
            WHERE key = CASE WHEN a.value > 0 THEN 'inventory.stock_on_hand' ELSE 'inventory.stock_adjustment' END),
           (SELECT account_code FROM accounts
            WHERE key = CASE WHEN a.value > 0 THEN 'inventory.stock_adjustment' ELSE 'inventory.stock_on_hand' END),
           NULL, NULL
    FROM staging.auxo_stock_adjustments a
    LEFT JOIN starts st USING (connection_id)
    LEFT JOIN (SELECT * FROM switches WHERE setting = 'create_inventory_journals') s
      ON s.connection_id = a.connection_id AND a.created_at >= s.changed_at AND a.created_at < s.changed_until),
auxo AS (
    SELECT * FROM invoices UNION ALL SELECT * FROM credits UNION ALL SELECT * FROM payments
    UNION ALL SELECT * FROM bills UNION ALL SELECT * FROM cogs UNION ALL SELECT * FROM stock),

-- ---- Xero side: every document of those kinds, in the same shape ---------------------------
journal_lines AS (
    SELECT connection_id, manual_journal_id,
           sum(line_amount) FILTER (WHERE line_amount > 0) AS debits,
           sum(line_amount) AS balance,
           array_to_string(list_sort(list_distinct(list(account_code) FILTER (WHERE line_amount > 0))), ' ')
               AS debit_accounts,
           array_to_string(list_sort(list_distinct(list(account_code) FILTER (WHERE line_amount < 0))), ' ')
               AS credit_accounts
    FROM staging.xero_manual_journal_lines GROUP BY ALL),
xero AS (
    SELECT connection_id, lower(type) AS xero_type, CASE type WHEN 'ACCREC' THEN 'invoice' ELSE 'bill' END AS xero_kind,
           invoice_id AS xero_id, invoice_number AS xero_number, date AS xero_date, status AS xero_status,
           total AS xero_total, total_tax AS xero_gst, amount_due AS xero_amount_due, reference AS xero_reference,
           NULL::DECIMAL(18, 2) AS xero_balance, NULL AS debit_accounts, NULL AS credit_accounts, contact_id
    FROM staging.xero_invoices
    UNION ALL
    SELECT connection_id, lower(type), 'credit_note', credit_note_id, credit_note_number, date, status,
           total, total_tax, remaining_credit, reference, NULL, NULL, NULL, contact_id
    FROM staging.xero_credit_notes WHERE type = 'ACCRECCREDIT'
    UNION ALL
    SELECT connection_id, lower(payment_type), 'payment', payment_id, coalesce(invoice_number, reference), date,
           status, amount, NULL, NULL, reference, NULL, NULL, account_code, NULL
    FROM staging.xero_payments
    UNION ALL
    SELECT connection_id, lower(type), 'prepayment', prepayment_id, reference, date, status,
           total, total_tax, remaining_credit, reference, NULL, NULL, NULL, contact_id
    FROM staging.xero_prepayments
    UNION ALL
    SELECT j.connection_id, 'manual_journal', 'journal', j.manual_journal_id, j.narration, j.date, j.status,
           l.debits::DECIMAL(18, 2), NULL, NULL, j.narration, l.balance::DECIMAL(18, 2), l.debit_accounts,
           l.credit_accounts, NULL
    FROM staging.xero_manual_journals j
    LEFT JOIN journal_lines l USING (connection_id, manual_journal_id)),

-- ---- which Xero documents claim to be which Auxo document -----------------------------------
links AS (
    SELECT connection_id, ref, xero_kind, auxo_xero_id AS xero_id, 1 AS priority, 'recorded in Auxo' AS via
    FROM auxo WHERE auxo_xero_id IS NOT NULL
    UNION ALL
    SELECT a.connection_id, a.ref, a.xero_kind, k.target_id, 2, 'created by the sync'
    FROM auxo a JOIN sync.known_targets k
      ON k.connection_id = a.connection_id AND k.target = 'xero' AND k.ref = a.ref
    UNION ALL
    -- the Reference the sync writes on payments and deposits finds a copy made twice (an equi-join
    -- on the id the Reference carries: 'Auxo PAY <id>' or 'Auxo DEP <id>', perhaps followed by text)
    SELECT a.connection_id, a.ref, a.xero_kind, x.xero_id, 3, 'carries its Auxo reference'
    FROM auxo a JOIN (
        SELECT connection_id, xero_kind, xero_id,
               regexp_extract(xero_reference, '^Auxo (PAY|DEP) (\S+)', 2) AS auxo_id
        FROM xero
        WHERE (xero_kind = 'payment' AND starts_with(xero_reference, 'Auxo PAY '))
           OR (xero_kind = 'prepayment' AND starts_with(xero_reference, 'Auxo DEP '))) x
      ON x.connection_id = a.connection_id AND x.xero_kind = a.xero_kind AND x.auxo_id = a.auxo_id),
matched AS (
    SELECT l.connection_id, l.ref,
           arg_min(l.xero_id, l.priority) AS xero_id,
           count(DISTINCT x.xero_id) FILTER (WHERE x.xero_status <> 'DELETED') AS xero_matches,
           list(DISTINCT x.xero_id) FILTER (WHERE x.xero_status <> 'DELETED') AS xero_ids,
           arg_min(l.via, l.priority) AS linked_via
    FROM links l
    LEFT JOIN xero x ON x.connection_id = l.connection_id AND x.xero_kind = l.xero_kind AND x.xero_id = l.xero_id
    GROUP BY ALL),

-- ---- what the ledger and the plans say about each document ----------------------------------
writes AS (
    SELECT connection_id, ref, status AS write_status, state AS write_state, open AS write_open,
           operation AS write_operation, error_class, error_code,
           error_message, error_hint, depends_on, updated_at AS write_updated_at
    FROM sync.write_state
    WHERE target = 'xero' AND state <> 'skipped'
    QUALIFY row_number() OVER (PARTITION BY connection_id, ref ORDER BY updated_at DESC) = 1),
exceptions AS (
    SELECT connection_id, auxo_id, string_agg(detail, '; ') AS detail
    FROM {{plans.invoice_exceptions}}
    WHERE reason IN ('number_clash', 'totals_cannot_match', 'missing_invoice', 'payment_in_both_systems',
                     'payment_exceeds_amount_due', 'edit_blocked')
    GROUP BY ALL),
review AS (
    SELECT connection_id, kind, auxo_id, any_value(reason) AS reason
    FROM {{plans.contact_matches}} WHERE decision = 'review' GROUP BY ALL),

paired AS (
    SELECT a.*, m.xero_id, coalesce(m.xero_matches, 0) AS xero_matches, m.xero_ids, m.linked_via,
           x.xero_number, x.xero_status, x.xero_total, x.xero_gst, x.xero_amount_due, x.xero_balance,
           x.debit_accounts, x.credit_accounts,
           w.write_status, w.write_state, w.write_operation, w.error_class, w.error_code, w.error_message, w.error_hint,
           w.depends_on, e.detail AS exception_detail, r.reason AS review_reason,
           rw.write_open AS related_open, coalesce(rw.error_message, 'not sent yet') AS related_message,
           rw.error_hint AS related_hint,
           x.xero_status IN ('VOIDED', 'DELETED') AS xero_cancelled
    FROM auxo a
    LEFT JOIN matched m USING (connection_id, ref)
    LEFT JOIN xero x ON x.connection_id = a.connection_id AND x.xero_kind = a.xero_kind AND x.xero_id = m.xero_id
    LEFT JOIN writes w USING (connection_id, ref)
    LEFT JOIN writes rw ON rw.connection_id = a.connection_id AND rw.ref = a.related_ref
    LEFT JOIN exceptions e ON e.connection_id = a.connection_id AND e.auxo_id = a.auxo_id
    LEFT JOIN review r ON r.connection_id = a.connection_id AND r.auxo_id = a.party_id
                      AND r.kind = CASE a.document_kind WHEN 'bill' THEN 'supplier' ELSE 'customer' END),
compared AS (
    SELECT p.*,
           (p.xero_total - p.auxo_total)::DECIMAL(18, 2) AS total_difference,
           (p.xero_gst - p.auxo_gst)::DECIMAL(18, 2) AS gst_difference,
           (p.xero_amount_due - p.auxo_amount_due)::DECIMAL(18, 2) AS amount_due_difference,
           concat_ws('; ',
               CASE WHEN p.auxo_cancelled AND NOT coalesce(p.xero_cancelled, false)
                    THEN p.auxo_status || ' in Auxo, still ' || p.xero_status || ' in Xero' END,
               CASE WHEN p.xero_cancelled AND NOT p.auxo_cancelled
                    THEN p.xero_status || ' in Xero, still ' || p.auxo_status || ' in Auxo' END,
               CASE WHEN NOT (p.auxo_cancelled AND coalesce(p.xero_cancelled, false)) THEN nullif(concat_ws('; ',
                   CASE WHEN p.xero_total IS DISTINCT FROM p.auxo_total
                        THEN 'total: Auxo ' || coalesce(p.auxo_total::VARCHAR, '-') || ', Xero '
                             || coalesce(p.xero_total::VARCHAR, '-') END,
                   CASE WHEN p.auxo_gst IS NOT NULL AND p.xero_gst IS DISTINCT FROM p.auxo_gst
                        THEN 'GST: Auxo ' || p.auxo_gst || ', Xero ' || coalesce(p.xero_gst::VARCHAR, '-') END,
                   CASE WHEN p.auxo_amount_due IS NOT NULL AND p.xero_amount_due IS DISTINCT FROM p.auxo_amount_due
                        THEN CASE WHEN p.document_kind = 'invoice' THEN 'amount due' ELSE 'credit left to allocate' END
                             || ': Auxo ' || p.auxo_amount_due || ', Xero '
                             || coalesce(p.xero_amount_due::VARCHAR, '-') END,
                   CASE WHEN p.xero_balance <> 0
                        THEN 'the journal does not balance (debits - credits = ' || p.xero_balance || ')' END,
                   CASE WHEN p.expected_debit IS NOT NULL
                         AND (p.debit_accounts IS DISTINCT FROM p.expected_debit
                              OR p.credit_accounts IS DISTINCT FROM p.expected_credit)
                        THEN 'accounts: Xero Dr ' || coalesce(p.debit_accounts, '-') || ' Cr '
                             || coalesce(p.credit_accounts, '-') || ', expected Dr ' || p.expected_debit
                             || ' Cr ' || p.expected_credit END), '') END) AS differences
    FROM paired p),
stated AS (
    SELECT c.*,
           CASE
               WHEN c.not_required_reason IS NOT NULL AND c.xero_id IS NULL THEN 'not_required'
               WHEN c.auxo_cancelled AND c.xero_id IS NULL AND c.write_status IS NULL THEN 'not_required'
               WHEN c.xero_matches > 1 THEN 'duplicated'
               WHEN c.xero_status IS NULL THEN 'not_in_xero'
               WHEN c.differences <> '' THEN 'different'
               ELSE 'in_step'
           END AS state
    FROM compared c),
caused AS (
    -- cause: why a document is not in step, as a code for queries and checks (reason says it in words)
    SELECT s.*,
           CASE
               WHEN state IN ('in_step', 'not_required', 'duplicated') THEN state
               WHEN state = 'different'
                   THEN CASE WHEN related_open THEN 'allocation_waiting' ELSE 'differs' END
               WHEN xero_id IS NOT NULL AND write_state IS DISTINCT FROM 'confirmed'
                    AND linked_via = 'recorded in Auxo' THEN 'missing_in_xero'
               WHEN write_state = 'confirmed' THEN 'not_extracted'
               WHEN write_state = 'blocked' AND review_reason IS NOT NULL THEN 'contact_review'
               WHEN write_state = 'blocked' THEN 'waiting_for_dependency'
               WHEN write_state = 'sent' THEN 'answer_lost'
               WHEN write_state = 'planned' AND error_class = 'daily_limit' THEN 'daily_limit'
               WHEN write_state IN ('held', 'retrying', 'refused', 'planned') THEN write_state
               WHEN exception_detail IS NOT NULL THEN 'plan_exception'
               WHEN review_reason IS NOT NULL THEN 'contact_review'
               ELSE 'not_planned'
           END AS cause,
           CASE document_kind WHEN 'bill' THEN 'supplier' ELSE 'customer' END AS party_kind
    FROM stated s)
SELECT
    connection_id, document_kind, business_date, auxo_id, auxo_number, party, party_id, auxo_status,
    auxo_total, auxo_gst, auxo_amount_due,
    xero_id, xero_number, xero_status, xero_total, xero_gst, xero_amount_due,
    xero_matches, total_difference, gst_difference, amount_due_difference,
    state, cause,
    CASE cause
        WHEN 'in_step' THEN 'Auxo and Xero agree'
        WHEN 'not_required' THEN 'Not sent to Xero: ' || coalesce(not_required_reason, 'void in Auxo before it was sent')
        WHEN 'duplicated' THEN 'In Xero ' || xero_matches || ' times: ' || array_to_string(xero_ids, ', ')
        WHEN 'differs' THEN 'Differs: ' || differences
        WHEN 'allocation_waiting' THEN 'Differs: ' || differences || ' — its allocation waits: ' || related_message
        WHEN 'missing_in_xero' THEN 'Auxo links it to Xero document ' || xero_id || ', which Xero does not have'
        WHEN 'not_extracted' THEN 'Written to Xero, but not in the last extraction of Xero: materialise recon/views again'
        WHEN 'contact_review'
            THEN 'Waiting for a person: its ' || party_kind || ' ' || coalesce(party, '')
                 || ' must be matched to a Xero contact in the review queue (' || review_reason || ')'
        WHEN 'waiting_for_dependency'
            THEN CASE WHEN strpos(error_message, ' waits for ') > 0
                      THEN 'Waiting for ' || substr(error_message, strpos(error_message, ' waits for ') + 11)
                      ELSE 'Waiting: ' || error_message END
        WHEN 'held' THEN 'Held, not sent: ' || error_message
        WHEN 'retrying' THEN 'Not sent yet: a temporary API problem (' || error_message || '); the next run retries it'
        WHEN 'refused' THEN 'Xero refused it: ' || CASE error_code
            WHEN 'duplicate_number' THEN 'its number ' || auxo_number || ' is already used by another Xero invoice'
            WHEN 'contact_archived' THEN 'its ' || party_kind || ' ' || coalesce(party, '') || ' is archived in Xero'
            ELSE error_message END
        WHEN 'answer_lost' THEN 'Sent, but Xero''s answer was lost: the next run looks it up before sending anything again'
        WHEN 'daily_limit' THEN 'Planned, not sent: Xero''s calls for the day ran out; the next run sends it'
        WHEN 'planned' THEN 'Planned, not sent yet (a dry run, or the run stopped before it): a real run of the day sends it'
        WHEN 'plan_exception' THEN 'Not sent: ' || exception_detail
        ELSE 'Not planned yet: run the day (auxo-xero sync --date ' || business_date || ')'
    END AS reason,
    CASE cause
        WHEN 'in_step' THEN NULL
        WHEN 'not_required' THEN NULL
        WHEN 'duplicated' THEN 'Void or delete the extra copies in Xero, keeping ' || coalesce(xero_id, 'one')
        WHEN 'allocation_waiting' THEN coalesce(related_hint, 'Fix what the allocation waits for, then re-run the day')
        WHEN 'differs' THEN CASE
            WHEN document_kind = 'invoice'
                THEN 'If Xero was edited, the next run adds an adjustment line in Auxo; if Auxo was edited after a '
                     || 'payment was matched in Xero, correct the invoice in Xero'
            WHEN document_kind IN ('cogs_journal', 'stock_journal')
                THEN 'The journal was changed in Xero after it was posted: restore it in Xero (amount and accounts '
                     || 'as Auxo expects)'
            ELSE 'Compare the document in both systems and correct the one that is wrong' END
        WHEN 'missing_in_xero' THEN 'Find out who deleted it in Xero; clear the Xero link in Auxo to send it again'
        WHEN 'not_extracted' THEN 'Materialise recon/views (it re-reads Xero)'
        WHEN 'contact_review' THEN 'Pick the Xero contact in recon.contact_review and record it on the Auxo '
                                   || party_kind || ' (or make the match unambiguous in Xero), then re-run the day'
        WHEN 'answer_lost' THEN 'Nothing: the next run of the day finishes it'
        WHEN 'plan_exception' THEN 'Fix the document as the reason says, then re-run the day'
        WHEN 'not_planned' THEN 'Run the day: auxo-xero sync --date ' || business_date
        ELSE error_hint
    END AS what_to_do,
    write_status, error_class, error_code, error_message AS xero_message, linked_via, ref
FROM caused
UNION ALL
-- Xero documents of these kinds that no Auxo document accounts for, since the sync started
SELECT x.connection_id, CASE x.xero_kind WHEN 'prepayment' THEN 'deposit' ELSE x.xero_kind END, x.xero_date,
       NULL, NULL, xc.name, NULL, NULL, NULL, NULL, NULL,
       x.xero_id, x.xero_number, x.xero_status, x.xero_total, x.xero_gst, x.xero_amount_due,
       1, NULL, NULL, NULL, 'only_in_xero',
       CASE WHEN ai.number IS NOT NULL THEN 'number_clash' ELSE 'made_in_xero' END,
       'Made in Xero; no Auxo document accounts for it'
       || CASE WHEN ai.number IS NOT NULL
               THEN ' (its number is also Auxo''s invoice ' || ai.number || ': a number clash)' ELSE '' END,
       CASE WHEN ai.number IS NOT NULL
            THEN 'Renumber one of the two invoices ' || ai.number || ', then re-run that day'
            ELSE 'Nothing, if it was meant to be made in Xero only' END,
       NULL, NULL, NULL, NULL, NULL, NULL
FROM xero x
JOIN starts st ON st.connection_id = x.connection_id AND x.xero_date >= st.sync_start_date
LEFT JOIN staging.xero_contacts xc ON xc.connection_id = x.connection_id AND xc.contact_id = x.contact_id
LEFT JOIN staging.auxo_invoices ai
  ON x.xero_kind = 'invoice' AND ai.connection_id = x.connection_id AND lower(ai.number) = lower(x.xero_number)
WHERE x.xero_status NOT IN ('DELETED', 'VOIDED')
  AND NOT EXISTS (SELECT 1 FROM links l WHERE l.connection_id = x.connection_id AND l.xero_id = x.xero_id)
  AND (x.xero_kind IN ('invoice', 'credit_note', 'prepayment')
       OR (x.xero_kind = 'payment' AND x.xero_type = 'accrecpayment')
       OR (x.xero_kind = 'journal' AND EXISTS (
           SELECT 1 FROM staging.xero_manual_journal_lines jl JOIN accounts a ON a.account_code = jl.account_code
           WHERE jl.connection_id = x.connection_id AND jl.manual_journal_id = x.xero_id
             AND starts_with(a.key, 'inventory.')))
       OR (x.xero_kind = 'bill' AND EXISTS (
           SELECT 1 FROM staging.xero_invoice_lines il JOIN accounts a ON a.account_code = il.account_code
           WHERE il.connection_id = x.connection_id AND il.invoice_id = x.xero_id
             AND a.key IN ('inventory.stock_on_hand', 'inventory.work_in_progress'))))
  -- Xero credit notes Auxo records as allocations against its invoices are accounted for
  AND NOT EXISTS (SELECT 1 FROM staging.auxo_invoice_xero_allocations aa
                  WHERE aa.connection_id = x.connection_id AND aa.xero_credit_note_id = x.xero_id)
  -- and so is what the sync wrote itself without an Auxo document of its own (the COGS reversals of
  -- credits and voids): it was not made in Xero
  AND NOT EXISTS (SELECT 1 FROM sync.known_targets k
                  WHERE k.connection_id = x.connection_id AND k.target = 'xero' AND k.target_id = x.xero_id)
