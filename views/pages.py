"""The app's pages, in navigation order: file, title, icon and section. The router builds its
navigation from them; tests and benchmarks read the files and titles here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    file: str
    title: str
    icon: str
    section: str


PAGES: tuple[Page, ...] = (
    Page("views/overview.py", "Overview", ":material/dashboard:", "Overview"),
    Page("views/sales.py", "Sales performance", ":material/trending_up:", "Overview"),
    Page("views/customers.py", "Customers & segments", ":material/groups:", "Customers"),
    Page("views/churn.py", "Churn & retention", ":material/person_remove:", "Customers"),
    Page("views/insights.py", "Insight rules", ":material/rule:", "Act"),
    Page("views/plan.py", "Action plan", ":material/insights:", "Act"),
    Page("views/experiments.py", "A/B test", ":material/science:", "Act"),
    Page("views/data.py", "Data & mapping", ":material/upload_file:", "Data"),
    Page("views/glossary.py", "Glossary", ":material/menu_book:", "Data"),
)
FILES = [p.file for p in PAGES]
TITLES = {p.file: p.title for p in PAGES}
