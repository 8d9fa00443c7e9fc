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


def test_the_catalogue_is_kept_compiled_and_follows_its_files(tmp_path, monkeypatch):
    import marshal

    (tmp_path / "a.yaml").write_text("one: {it: uno, en: one}\n", "utf-8")
    (tmp_path / "b.yaml").write_text("two: {it: [due, due], en: [two, twos]}\n", "utf-8")
    monkeypatch.setattr(text, "FOLDER", tmp_path)
    text.catalogue.cache_clear()
    try:
        parsed = {"one": {"it": "uno", "en": "one"}, "two": {"it": ["due", "due"], "en": ["two", "twos"]}}
        assert text.catalogue() == parsed
        [compiled] = (tmp_path / "__pycache__").iterdir()
        assert marshal.loads(compiled.read_bytes()) == parsed
        # The next process reads the compiled catalogue, not the YAML.
        compiled.write_bytes(marshal.dumps({"one": {"it": "compilato", "en": "compiled"}}))
        text.catalogue.cache_clear()
        assert text.text("one", "en") == "compiled"
        # A file changed (same size, same time even) is parsed again, and the old compiled form goes.
        (tmp_path / "a.yaml").write_text("one: {it: UNO, en: ONE}\n", "utf-8")
        text.catalogue.cache_clear()
        changed = {**parsed, "one": {"it": "UNO", "en": "ONE"}}
        assert text.catalogue() == changed
        [recompiled] = (tmp_path / "__pycache__").iterdir()
        assert recompiled.name != compiled.name
        # A compiled file cut short is parsed again.
        recompiled.write_bytes(recompiled.read_bytes()[:5])
        text.catalogue.cache_clear()
        assert text.catalogue() == changed
    finally:
        text.catalogue.cache_clear()
