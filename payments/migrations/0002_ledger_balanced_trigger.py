"""The database refuses a ledger transaction whose entries do not sum to zero, or whose
entries are in another currency than the transaction, whoever writes it (payments.ledger
already checks; this holds even for a hand-written INSERT). A deferred constraint trigger
checks at commit, when all of a transaction's entries are in."""

from django.db import migrations

CREATE = """
CREATE FUNCTION payments_entry_check_balanced() RETURNS trigger AS $$
DECLARE
    txn_id bigint;
    total numeric;
    wrong_currency integer;
BEGIN
    IF TG_OP = 'DELETE' THEN
        txn_id := OLD.transaction_id;
    ELSE
        txn_id := NEW.transaction_id;
    END IF;
    SELECT COALESCE(SUM(e.amount), 0),
           COUNT(*) FILTER (WHERE e.currency <> t.currency)
      INTO total, wrong_currency
      FROM payments_ledgertransaction t
      LEFT JOIN payments_entry e ON e.transaction_id = t.id
     WHERE t.id = txn_id
     GROUP BY t.id;
    IF total IS NOT NULL AND total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance (sum %)', txn_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    IF wrong_currency > 0 THEN
        RAISE EXCEPTION 'ledger transaction % mixes currencies', txn_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER payments_entry_balanced
    AFTER INSERT OR UPDATE OR DELETE ON payments_entry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION payments_entry_check_balanced();
"""

DROP = """
DROP TRIGGER IF EXISTS payments_entry_balanced ON payments_entry;
DROP FUNCTION IF EXISTS payments_entry_check_balanced();
"""


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
