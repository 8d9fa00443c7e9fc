"""The catalogue of every text the project says: both languages, always."""

from outcomes.common import text


def test_every_entry_has_both_languages_with_the_same_placeholders():
    assert text.problems() == []


def test_the_rules_are_checked(tmp_path):
    (tmp_path / "a.yaml").write_text(
        "one: {it: uno}\n"
        "two: {it: 'due {n}', en: two}\n"
        "three: {it: [tre, tre], en: three}\n"
        "four: {it: quattro, en: four}\n",
        "utf-8",
    )
    (tmp_path / "b.yaml").write_text("four: {it: quattro, en: four}\n", "utf-8")
    assert text.problems(tmp_path) == [
        "a.yaml: one: needs exactly it, en",
        "a.yaml: two: the languages differ in placeholders",
        "a.yaml: three: the languages differ in form",
        "b.yaml: four: also in a.yaml",
    ]


def test_lookup_fills_placeholders_and_counts():
    assert text.text("count.outcomes", "it", count=1) == "1 esito"
    assert text.text("count.outcomes", "en", count=3) == "3 outcomes"
    assert text.text("footer.queries_took", "en", ms=5) == "queries took 5 ms"
