"""Chromium: the A/B test page on the sample and with an uploaded aggregated file."""

from pathlib import Path

from tests.e2e.conftest import assert_no_exception, goto, screenshot, wait_idle

ROOT = Path(__file__).resolve().parents[2]
AGGREGATED = ROOT / "tests" / "data" / "experiment_aggregated.csv"


def test_sample_experiment(app_url, page):
    goto(page, app_url, "experiments")
    page.get_by_text("Retention rose from 17.6% in A to 23.8% in B").first.wait_for()
    assert_no_exception(page)
    assert page.get_by_text("Health checks").count() >= 1
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.nth(2).wait_for()  # per-variant rates, lift posterior, segments
    assert charts.count() >= 3
    screenshot(page, "e2e_experiments_sample.png")


def test_uploaded_aggregated_file(app_url, page):
    goto(page, app_url, "experiments")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(
        str(AGGREGATED)
    )
    wait_idle(page)
    page.get_by_text("Conversion rate rose from 17.6% in control to 23.8% in offer_10").wait_for()
    assert page.get_by_text("Correction for several variants").count() == 1
    assert_no_exception(page)
    screenshot(page, "e2e_experiments_aggregated.png")


def test_churn_experiment_reads_lower_as_better(app_url, page, tmp_path):
    # churn rose from 30% (900 / 3000) to 36% (1080 / 3000): a loss when lower is better
    rows = ["customer_id,group,churned"]
    for group, churned in (("A", 900), ("B", 1080)):
        rows += [f"{group}{i},{group},{int(i < churned)}" for i in range(3000)]
    path = tmp_path / "churn_experiment.csv"
    path.write_text("\n".join(rows) + "\n")
    goto(page, app_url, "experiments")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
    wait_idle(page)
    page.get_by_text("Churn rose from 30.0% in A to 36.0% in B").first.wait_for()
    assert page.get_by_text("Guessed from the name 'churned': lower churn is better.").count() == 1
    assert page.get_by_text("The offer hurts").count() >= 1
    assert page.get_by_text("The offer works").count() == 0
    assert_no_exception(page)
    screenshot(page, "e2e_experiments_churn.png")


def test_a_link_sets_the_control(app_url, page):
    goto(page, app_url, "experiments?ab_control=B")
    page.get_by_text("Retention fell from 23.8% in B to 17.6% in A").first.wait_for()
    assert_no_exception(page)
    assert "ab_control=B" in page.url
