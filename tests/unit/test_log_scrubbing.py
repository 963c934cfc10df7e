"""What the log filter hides of a line: the values of query parameters not known to be harmless,
and the parameters SQLAlchemy quotes in its errors."""

from __future__ import annotations

from infrastructure.logs import scrub


def test_personal_and_secret_query_values_are_hidden_and_harmless_ones_kept() -> None:
    line = (
        "GET /cases?name=Zhang%20Xiaoming&status=open&ID_NUMBER=11010120110502003X&limit=5"
        "&station_id=4b0f&purpose=court+hearing&access_token=abc.def&password=s3cret&opened_from=2026-01-01 HTTP/1.1"
    )

    assert scrub(line) == (
        "GET /cases?name=[hidden]&status=open&ID_NUMBER=[hidden]&limit=5"
        "&station_id=4b0f&purpose=[hidden]&access_token=[hidden]&password=[hidden]&opened_from=2026-01-01 HTTP/1.1"
    )


def test_a_query_parameter_nobody_listed_is_hidden() -> None:
    assert scrub("/ui/cases?guardian_phone=139%200000%200000") == "/ui/cases?guardian_phone=[hidden]"


def test_the_parameters_of_a_failed_sql_statement_are_hidden() -> None:
    error = (
        "(psycopg2.errors.UniqueViolation) duplicate key\n"
        "[SQL: INSERT INTO access_log (purpose) VALUES (%(purpose)s)]\n"
        "[parameters: {'purpose': 'reading Zhang Xiaoming's file'}]\n"
        "(Background on this error at: https://sqlalche.me/e/20/gkpj)"
    )

    scrubbed = scrub(error)

    assert "Zhang" not in scrubbed
    assert "[SQL: INSERT INTO access_log (purpose) VALUES (%(purpose)s)]" in scrubbed
