"""Ingest under random input: a property test (hypothesis) on tables written by the csv module,
and a byte-mutation fuzz of real files in every format. Both bounded so CI stays quick.

- Property: whatever the text in the cells (quotes, delimiters, line breaks, accents), the
  delimiter and the encoding, the orders read back are the rows written, and the revenue is the
  sum of the amounts (computed here with the decimal module, not by core).
- Fuzz: bytes flipped, inserted, deleted, duplicated or cut in a CSV, a gzipped CSV, an .xlsx and
  a Parquet file: load_orders returns a table or raises InputError, never anything else.
"""

from __future__ import annotations

import csv
import gzip
import io
import random
from datetime import date, timedelta
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from core.errors import InputError
from core.ingest import load_orders
from core.ingest.limits import MAX_FILE_MB, MAX_LINE_KB

# ids: letters and digits around characters that CSV has to quote (no leading/trailing space,
# no case games: identity normalisation is not what this test is about)
_ID_CHARS = st.sampled_from(list("abcXYZ019,;|\"'\t\n é-=+@"))
IDS = st.builds(
    lambda a, mid, b: a + mid + b,
    st.sampled_from(list("abcdefXYZ")),
    st.text(_ID_CHARS, max_size=8),
    st.sampled_from(list("0123456789")),
)
ROW = st.tuples(IDS, st.integers(0, 3650), st.integers(1, 10**8))  # amount in cents


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI stays repeatable
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure prints its example
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    rows=st.lists(ROW, min_size=1, max_size=40),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    crlf=st.booleans(),
)
def test_rows_written_are_rows_read(rows, delimiter, encoding, crlf) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
    w.writerow(["customer_id", "order_date", "revenue"])
    amounts = []
    for i, (cid, day, cents) in enumerate(rows):
        # unique amounts: equal amounts on one customer's day would read as an order total
        amount = Decimal(cents) / 100 + Decimal(i) / 10**6
        amounts.append(amount)
        w.writerow([cid, (date(2015, 1, 1) + timedelta(days=day)).isoformat(), str(amount)])
    data = buf.getvalue().encode(encoding)
    loaded = load_orders(data, name="orders.csv")
    orders = loaded.orders
    assert orders.height == len(rows)
    assert orders["customer_id"].n_unique() == len({r[0] for r in rows})
    assert abs(Decimal(str(orders["revenue"].sum())) - sum(amounts)) < Decimal("0.001")


def _seeds() -> dict[str, bytes]:
    lines = ["Order ID,Order Date,Customer ID,Region,Line Total,Status"]
    lines += [
        f"o{i},2024-{1 + i % 12:02d}-{1 + i % 28:02d},c{i % 17},{'NS'[i % 2]},{10 + i}.5,"
        f"{['Delivered', 'Returned'][i % 5 == 0]}"
        for i in range(120)
    ]
    text = ("\n".join(lines) + "\n").encode()
    frame = pl.read_csv(text)
    xlsx, parquet = io.BytesIO(), io.BytesIO()
    frame.write_excel(xlsx)
    frame.write_parquet(parquet)
    return {
        "orders.csv": text,
        "orders.csv.gz": gzip.compress(text),
        "orders.xlsx": xlsx.getvalue(),
        "orders.parquet": parquet.getvalue(),
    }


def _mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        if not b:
            break
        op, i = rng.randrange(6), rng.randrange(len(b))
        if op == 0:
            b[i] = rng.randrange(256)
        elif op == 1:
            b.insert(i, rng.choice(b'",;\n\r\x00\xff\xfe=-'))
        elif op == 2:
            del b[i : i + rng.randint(1, 64)]
        elif op == 3:
            j = rng.randrange(len(b))
            b[i:i] = b[j : j + rng.randint(1, 256)]
        elif op == 4:
            del b[i:]
        else:
            b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


@pytest.mark.parametrize("name", ["orders.csv", "orders.csv.gz", "orders.xlsx", "orders.parquet"])
def test_byte_mutations_never_escape_as_other_errors(name: str, monkeypatch) -> None:
    monkeypatch.setenv(MAX_FILE_MB, "8")
    monkeypatch.setenv(MAX_LINE_KB, "64")
    seed = _seeds()[name]
    rng = random.Random(f"fuzz:{name}")
    outcomes = {"read": 0, "refused": 0}
    for i in range(150):
        data = _mutate(seed, rng)
        try:
            load_orders(data, name=name)
            outcomes["read"] += 1
        except InputError as exc:
            assert str(exc), "an InputError says what is wrong"
            outcomes["refused"] += 1
        except Exception as exc:  # anything else is a bug: show the input that caused it
            pytest.fail(f"mutation {i} of {name}: {type(exc).__name__}: {exc} ({data[:200]!r})")
    assert sum(outcomes.values()) == 150
