"""The Hindi catalog (bot/render/locales/hi.po) against the keyed English table, and `python -m bot strings`."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from telegram.constants import BotCommandLimit

from bot.cli import EXIT_CONFIG, EXIT_FAILURE, EXIT_OK, main
from bot.render import catalog as catalogs
from bot.render.texts import EN, t, tn

NOW = dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC)
#: Nukta letters for Perso-Arabic sounds, which the glossary's spelling never writes (ड़ and ढ़ are letters of Hindi).
NUKTA = re.compile("[कखगजफ]\u093c|[\u0958-\u095b\u095e]")


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return catalogs.read_catalog(catalogs.catalog_path("hi"))


@pytest.fixture(scope="module")
def hindi(shipped: Catalog) -> dict[str, str]:
    """Every entry of the shipped catalog by key, finished or not."""
    return {m.context: str(m.string) for m in shipped if m.id and m.context}


def test_the_shipped_catalog_parses_as_gettext_and_is_hindi(shipped: Catalog) -> None:
    assert str(shipped.locale) == "hi"
    assert len([m for m in shipped if m.id]) == len(EN)


@pytest.mark.parametrize("key", list(EN))
def test_every_english_key_has_a_finished_hindi_translation_of_the_current_english(shipped: Catalog, key: str) -> None:
    message = shipped.get(EN[key], context=key)
    assert message is not None, f"{key} is missing or its English changed: run `python -m bot strings update`"
    assert message.string, f"{key} is untranslated"
    assert not message.fuzzy, f"{key} is fuzzy"


@pytest.mark.parametrize("key", list(EN))
def test_the_hindi_keeps_the_placeholders_tags_commands_and_code_of_the_english(
    hindi: dict[str, str], key: str
) -> None:
    assert catalogs.mismatches(key, EN[key], hindi[key]) == []


@pytest.mark.parametrize("key", list(EN))
def test_every_hindi_template_formats_with_the_english_placeholders(hindi: dict[str, str], key: str) -> None:
    values = {name: f"<{name}>" for name in catalogs.placeholders(EN[key])}
    filled = hindi[key].format(**values)
    assert all(value in filled for value in values.values())


def test_the_shipped_catalog_has_nothing_left_to_do(shipped: Catalog) -> None:
    assert catalogs.problems(shipped, EN) == []


def test_command_menu_descriptions_in_hindi_fit_telegram(hindi: dict[str, str]) -> None:
    for key in (k for k in EN if k.startswith("cmd.")):
        assert BotCommandLimit.MIN_DESCRIPTION <= len(hindi[key]) <= BotCommandLimit.MAX_DESCRIPTION, key


def test_the_hindi_follows_the_glossary_spelling(hindi: dict[str, str]) -> None:
    offending = {
        key: text
        for key, text in hindi.items()
        if NUKTA.search(text) or "अंतरराष्ट्रीय" in text or "साल" in text or "प्रश्नोत्तरी" in text
    }
    assert offending == {}


def test_t_returns_the_hindi_text() -> None:
    assert t("settings.saved", "hi") == "सहेज लिया गया।"
    assert t("start.greeting", "hi", name="Asha") == "नमस्ते, Asha! 👋"


def test_an_unknown_language_falls_back_to_english() -> None:
    assert t("settings.saved", "xx") == EN["settings.saved"]
    assert tn("count.day", 2, "xx") == "2 days"


def test_hindi_counts_use_hindis_plural_rule() -> None:
    assert tn("count.question", 0, "hi") == "0 प्रश्न"
    assert tn("count.day", 1, "hi") == "1 दिन"
    assert tn("count.day", 0) == "0 days"
    assert tn("count.day", 1) == "1 day"


def _catalog(entries: dict[str, tuple[str, str]], fuzzy: tuple[str, ...] = ()) -> Catalog:
    catalog = catalogs.new_catalog("hi", NOW)
    for key, (english, hindi) in entries.items():
        catalog.add(english, hindi, context=key, flags={"fuzzy"} if key in fuzzy else ())
    return catalog


def test_a_fuzzy_empty_or_stale_translation_is_not_used_at_run_time() -> None:
    english = {"a": "One", "b": "Two", "c": "Three", "d": "Four"}
    catalog = _catalog({"a": ("One", "एक"), "b": ("Two", "दो"), "c": ("Three", ""), "d": ("Old four", "चार")}, ("b",))
    assert catalogs.table(catalog, english) == {"a": "एक"}


def test_update_adds_new_keys_marks_changed_english_fuzzy_and_obsoletes_removed_keys() -> None:
    catalog = _catalog({"kept": ("Same", "वही"), "changed": ("Old text", "पुराना पाठ"), "gone": ("Gone", "गया")})
    english = {"kept": "Same", "changed": "New text", "new": "Brand new"}

    fresh, report = catalogs.update(catalog, english, NOW)

    assert (report.added, report.changed, report.removed) == (["new"], ["changed"], ["gone"])
    changed = fresh.get("New text", context="changed")
    assert changed is not None and changed.fuzzy and changed.string == "पुराना पाठ"
    assert changed.previous_id == ["Old text"]
    added = fresh.get("Brand new", context="new")
    assert added is not None and added.string == ""
    assert fresh.get("Gone", context="gone") is None and len(fresh.obsolete) == 1
    assert catalogs.problems(fresh, english) == [
        "changed: fuzzy (check the translation against the new English, then remove the fuzzy flag)",
        "new: untranslated",
    ]


def test_a_key_that_comes_back_gets_its_obsolete_translation_back(tmp_path: Path) -> None:
    catalog = _catalog({"a": ("One", "एक"), "b": ("Two", "दो")})
    shelved, _ = catalogs.update(catalog, {"a": "One"}, NOW)
    path = tmp_path / "hi.po"
    catalogs.write_catalog(shelved, path)

    back, report = catalogs.update(catalogs.read_catalog(path), {"a": "One", "b": "Two"}, NOW)

    assert (report.added, report.revived) == ([], ["b"])
    assert catalogs.table(back, {"a": "One", "b": "Two"}) == {"a": "एक", "b": "दो"}
    assert not back.obsolete


def test_update_of_a_current_catalog_changes_nothing(shipped: Catalog) -> None:
    fresh, report = catalogs.update(shipped, EN, NOW)
    assert not report.touched
    assert fresh.revision_date == shipped.revision_date


def test_the_shipped_catalog_is_written_as_the_tools_write_it(tmp_path: Path) -> None:
    """Reading and writing it back changes no byte, so `strings update` diffs show only real changes."""
    path = tmp_path / "hi.po"
    catalogs.write_catalog(catalogs.read_catalog(catalogs.catalog_path("hi")), path)
    assert path.read_bytes() == catalogs.catalog_path("hi").read_bytes()


def test_check_names_a_changed_placeholder_or_tag() -> None:
    english = {"a": "Hello, <b>{name}</b>", "b": "Next: {when}"}
    catalog = _catalog({"a": ("Hello, <b>{name}</b>", "नमस्ते, {name}"), "b": ("Next: {when}", "अगला: {samay}")})
    found = catalogs.problems(catalog, english)
    assert len(found) == 2
    assert found[0].startswith("a: HTML tags")
    assert found[1].startswith("b: not a template that formats with the English placeholders")


@pytest.fixture
def temp_catalog(tmp_path: Path) -> Path:
    path = tmp_path / "hi.po"
    shutil.copy(catalogs.catalog_path("hi"), path)
    return path


def test_strings_check_passes_on_the_shipped_catalog(temp_catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["strings", "check", "--catalog", str(temp_catalog)]) == EXIT_OK
    assert f"{len(EN)} of {len(EN)} keys translated; 0 problems" in capsys.readouterr().out


def test_strings_check_exits_non_zero_naming_a_missing_translation(
    temp_catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = catalogs.read_catalog(temp_catalog)
    message = catalog.get(EN["settings.saved"], context="settings.saved")
    assert message is not None
    message.string = ""
    catalogs.write_catalog(catalog, temp_catalog)

    assert main(["strings", "check", "--catalog", str(temp_catalog)]) == EXIT_FAILURE
    assert "settings.saved: untranslated" in capsys.readouterr().out


def test_strings_update_starts_a_catalog_with_every_key_untranslated(tmp_path: Path) -> None:
    path = tmp_path / "new.po"
    assert main(["strings", "update", "--catalog", str(path)]) == EXIT_OK
    catalog = catalogs.read_catalog(path)
    assert {m.context for m in catalog if m.id} == set(EN)
    assert not any(m.string for m in catalog if m.id)
    assert main(["strings", "check", "--catalog", str(path)]) == EXIT_FAILURE


def test_strings_refuses_english_and_unknown_languages(tmp_path: Path) -> None:
    assert main(["strings", "update", "--lang", "en"]) == EXIT_CONFIG
    assert main(["strings", "update", "--lang", "xx_Nowhere", "--catalog", str(tmp_path / "x.po")]) == EXIT_CONFIG
    assert not (tmp_path / "x.po").exists()
