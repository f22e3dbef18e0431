DROP TABLE pay_script_rates;
DROP TABLE pay_payout_details;
DROP TABLE pay_period_totals;
DROP TABLE pay_entries;
DROP TABLE pay_periods;
DELETE FROM settings WHERE name LIKE 'pay\_%' ESCAPE '\';
