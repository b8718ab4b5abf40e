"""Empty is said, not drawn: a tab with nothing to show (no returns, one month, one category)
says so in a sentence instead of drawing a chart of zeros (AppTest)."""

from __future__ import annotations

from pathlib import Path

from tests.app.conftest import assert_no_exception, open_tab
from tests.app.test_data import run_with

# one month (March 2024), one category, every line delivered: no returns, no second month
ONE_MONTH = b"order_id,customer_id,order_date,amount,category,status\n" + b"".join(
    f"o{i},c{i % 6},2024-03-{1 + i % 28:02d},{10 + i},Shoes,delivered\n".encode() for i in range(40)
)


def infos(at) -> str:
    return "\n".join(m.value for m in at.info)


def test_sales_says_one_month_one_category_no_returns(tmp_path: Path) -> None:
    at = run_with(ONE_MONTH, "march.csv", "views/sales.py", tmp_path)
    assert_no_exception(at)
    assert "The orders fall in one month only: a trend needs two or more." in infos(at)
    at.selectbox(key="sales_dim").set_value("category").run()
    open_tab(at, "sales_tab", "Breakdowns")  # the page draws its open tab
    assert_no_exception(at)
    assert "Every order in this period has the same category: nothing to compare." in infos(at)
    open_tab(at, "sales_tab", "Returns & status")
    assert_no_exception(at)
    assert "No returned or cancelled lines in this period: nothing to show here." in infos(at)


def test_churn_says_one_month(tmp_path: Path) -> None:
    at = run_with(ONE_MONTH, "march.csv", "views/churn.py", tmp_path)
    assert_no_exception(at)
    open_tab(at, "churn_tab", "Period retention")  # the page draws its open tab
    assert "The orders fall in one month only: retention needs two months." in infos(at)
    open_tab(at, "churn_tab", "Cohorts")
    assert_no_exception(at)
    assert "cohorts need a second month" in infos(at)


def test_customers_says_one_value(tmp_path: Path) -> None:
    at = run_with(ONE_MONTH, "march.csv", "views/customers.py", tmp_path)
    assert_no_exception(at)
    # one month: every customer ordered within the last 28 days, so all are active
    open_tab(at, "customers_tab", "Contribution")
    at.selectbox(key="contrib_by").set_value("Churn status").run()
    assert_no_exception(at)
    assert "Every customer has the same churn status: nothing to compare." in infos(at)
