"""A mapping that cannot work is refused with the reason before it is applied."""

import polars as pl

from core.ingest.mapping_check import mapping_problems

RAW = pl.DataFrame(
    {
        "Order Date": ["2024-01-05", "2024-02-11", "2024-03-02"],
        "Customer": ["C001", "C002", "C001"],
        "Total": ["€12,50", "$8", "1,200.00"],
        "Region": ["North", "South", "North"],
        "Age": ["31", "45", "31"],
    }
)
GOOD = {"order_date": "Order Date", "customer_id": "Customer", "revenue": "Total"}


def test_a_working_mapping_has_no_problems():
    assert mapping_problems(RAW, GOOD) == []
    assert mapping_problems(RAW, {**GOOD, "region": "Region", "quantity": "Age"}) == []


def test_a_date_column_given_to_another_role_is_refused():
    problems = mapping_problems(RAW, {**GOOD, "order_date": "", "region": "Order Date"})
    assert any("holds dates" in p and "region" in p for p in problems)
    assert any("order date" in p for p in problems)  # and the order date is now missing


def test_two_roles_on_one_column_are_refused():
    problems = mapping_problems(RAW, {**GOOD, "region": "Order Date"})
    assert any("both order date and region" in p for p in problems)


def test_columns_that_do_not_read_are_refused():
    assert "read as dates" in " ".join(mapping_problems(RAW, {**GOOD, "order_date": "Region"}))
    # ids such as C001 are not amounts, even though their digits would parse
    text = " ".join(mapping_problems(RAW, {**GOOD, "revenue": "Customer", "customer_id": "Age"}))
    assert "0% of its values read as numbers" in text


def test_missing_roles_and_unknown_columns_are_named():
    assert mapping_problems(RAW, {"order_date": "Order Date"}) == [
        "Choose a column for the customer id.",
        "Choose a column for the revenue (or both quantity and unit price).",
    ]
    assert mapping_problems(RAW, {**GOOD, "region": "Land"}) == [
        "The file has no column 'Land' for the region."
    ]
