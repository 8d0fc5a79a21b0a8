"""The bank in other languages: overlays in content/<code>/, ``Bank.in_language`` and their checks."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml
from telegram.constants import PollLimit

from bot.cli import check_content
from bot.config import DEFAULT_CONTENT_DIR
from bot.content.loader import Bank, ContentError, LoadResult, carry_over, check_bank, load_bank
from bot.content.models import SPLIT_POLL_QUESTIONS
from tests.content_cache import parsed_once
from tests.test_content_validation import fact, question, topic, write_bank

STATEMENTS = question(
    id="t1-q02",
    shape="statements",
    question="Consider the following statements about IOM:",
    statements=["It began in 1951.", "It is in Vienna."],
    options=["1 only", "2 only", "Both 1 and 2", "Neither 1 nor 2"],
    answer=0,
    explanation="IOM began in 1951 and is based in Geneva.",
)


def english_bank(root: Path) -> Path:
    """A valid English bank of one topic: a fact, a plain question and a statement question."""
    return write_bank(
        root,
        {"t1.yaml": {"topic": topic(aliases=["iom"]), "facts": [fact()], "questions": [question(), STATEMENTS]}},
    )


def hindi_overlay(**changes: object) -> dict[str, object]:
    """A complete Hindi overlay of ``english_bank``; ``changes`` replace whole sections."""
    overlay: dict[str, object] = {
        "topic": {
            "id": "t1",
            "title": "विषय एक",
            "short_title": "एक",
            "aliases": ["अंतर्राष्ट्रीय प्रवासन संगठन"],
            "description": "एक पंक्ति।",
            "summary": "एक सारांश।",
            "takeaways": ["एक बिंदु।"],
            "exam_relevance": "प्रारंभिक परीक्षा",
        },
        "facts": {"t1-f01": {"text": "IOM की स्थापना 1951 में हुई थी।"}},
        "questions": {
            "t1-q01": {
                "question": "IOM की स्थापना कब हुई थी?",
                "options": ["1951", "1989"],
                "explanation": "IOM की शुरुआत 1951 में हुई।",
            },
            "t1-q02": {
                "question": "IOM के बारे में निम्नलिखित कथनों पर विचार कीजिए :",
                "statements": ["इसकी शुरुआत 1951 में हुई।", "यह वियना में है।"],
                "options": ["केवल 1", "केवल 2", "1 और 2 दोनों", "न तो 1, न ही 2"],
                "explanation": "IOM की शुरुआत 1951 में हुई और इसका मुख्यालय जिनेवा में है।",
            },
        },
    }
    overlay.update(changes)
    return overlay


def write_overlay(root: Path, data: object, language: str = "hi", name: str = "t1.yaml") -> None:
    folder = root / language
    folder.mkdir(exist_ok=True)
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    (folder / name).write_text(text, encoding="utf-8")


def checked(root: Path) -> LoadResult:
    return check_bank(root, today=dt.date(2026, 1, 1))


def problems(root: Path) -> list[str]:
    return [str(p) for p in checked(root).problems]


def with_question(**fields: object) -> dict[str, object]:
    """The overlay with question t1-q01's fields replaced by ``fields``."""
    overlay = hindi_overlay()
    questions = overlay["questions"]
    assert isinstance(questions, dict)
    questions["t1-q01"] = fields
    return overlay


@pytest.fixture
def bilingual(tmp_path: Path) -> Bank:
    root = english_bank(tmp_path)
    write_overlay(root, hindi_overlay())
    return load_bank(root, today=dt.date(2026, 1, 1))


# --- the API ------------------------------------------------------------------------------------


def test_the_hindi_bank_has_the_overlay_text_with_the_english_answers_sources_and_order(bilingual: Bank) -> None:
    hindi = bilingual.in_language("hi")
    english_q, hindi_q = bilingual.questions["t1-q01"], hindi.questions["t1-q01"]
    assert hindi.language == "hi" and hindi_q.question == "IOM की स्थापना कब हुई थी?"
    assert (hindi_q.answer, hindi_q.options, hindi_q.source) == (english_q.answer, ["1951", "1989"], english_q.source)
    assert hindi.facts["t1-f01"].text == "IOM की स्थापना 1951 में हुई थी।"
    assert hindi.topics["t1"].title == "विषय एक" and hindi.topics["t1"].level == bilingual.topics["t1"].level
    assert hindi.sources is bilingual.sources


def test_english_and_unknown_languages_give_the_english_bank_itself(bilingual: Bank) -> None:
    assert bilingual.in_language("en") is bilingual
    assert bilingual.in_language("fr") is bilingual
    assert bilingual.in_language("hi").in_language("en") is bilingual
    assert bilingual.in_language("hi").in_language("hi") is bilingual.in_language("hi")
    assert bilingual.languages == ["en", "hi"]


def test_a_bank_without_overlays_reads_only_in_english(tmp_path: Path) -> None:
    bank = load_bank(english_bank(tmp_path), today=dt.date(2026, 1, 1))
    assert bank.in_language("hi") is bank and bank.languages == ["en"]


def test_hindi_aliases_are_added_to_the_english_ones(bilingual: Bank) -> None:
    assert bilingual.in_language("hi").topics["t1"].aliases == ["iom", "अंतर्राष्ट्रीय प्रवासन संगठन"]
    assert bilingual.topics["t1"].aliases == ["iom"]


def test_a_statement_question_without_ask_closes_with_the_hindi_default(bilingual: Bank) -> None:
    hindi_q = bilingual.in_language("hi").questions["t1-q02"]
    assert hindi_q.split_poll_question() == SPLIT_POLL_QUESTIONS["hi"] == "उपर्युक्त कथनों में से कौन-सा/से सही है/हैं?"
    assert hindi_q.asked().endswith("\n2. यह वियना में है।\n" + SPLIT_POLL_QUESTIONS["hi"])
    assert bilingual.questions["t1-q02"].split_poll_question() == SPLIT_POLL_QUESTIONS["en"]


def test_an_item_the_overlay_lacks_is_english_and_a_warning(tmp_path: Path) -> None:
    root = english_bank(tmp_path)
    overlay = hindi_overlay(facts={})
    write_overlay(root, overlay)
    result = checked(root)
    assert result.problems == []
    assert result.bank.in_language("hi").facts["t1-f01"] is result.bank.facts["t1-f01"]
    assert result.languages["hi"].missing == ["t1-f01"]
    assert [str(w) for w in result.warnings] == ["hi/t1.yaml: -: no hi text for t1-f01: the English is used"]


def test_carry_over_keeps_a_dropped_question_answerable_in_every_language(tmp_path: Path, bilingual: Bank) -> None:
    root = write_bank(tmp_path / "new", {"t1.yaml": {"topic": topic(), "facts": [fact()], "questions": [question()]}})
    write_overlay(root, hindi_overlay(questions={}))
    new = carry_over(bilingual, load_bank(root, today=dt.date(2026, 1, 1)))
    assert "t1-q02" not in new.questions
    assert new.question("t1-q02") == bilingual.questions["t1-q02"]
    hindi_q = new.in_language("hi").question("t1-q02")
    assert hindi_q is not None and hindi_q.question == "IOM के बारे में निम्नलिखित कथनों पर विचार कीजिए :"


# --- the checks ---------------------------------------------------------------------------------


def test_a_complete_overlay_has_no_problems_and_no_warnings(tmp_path: Path) -> None:
    root = english_bank(tmp_path)
    write_overlay(root, hindi_overlay())
    result = checked(root)
    assert (result.problems, result.warnings) == ([], [])
    report = result.languages["hi"]
    assert (report.topics, report.facts, report.questions, report.mains, report.missing) == (1, 1, 2, 0, [])


def test_an_id_the_english_bank_lacks_is_a_problem(tmp_path: Path) -> None:
    root = english_bank(tmp_path)
    write_overlay(root, hindi_overlay(facts={"t1-f01": {"text": "एक।"}, "t1-f99": {"text": "दो।"}}))
    assert problems(root) == ["hi/t1.yaml: t1-f99: not among the English bank's facts (nothing to translate)"]


def test_an_overlay_of_an_unknown_topic_is_a_problem(tmp_path: Path) -> None:
    root = english_bank(tmp_path)
    write_overlay(root, {**hindi_overlay(), "topic": {"id": "t9", "title": "नौ"}})
    assert "hi/t1.yaml: t9: topic.id must name a topic of the English bank" in problems(root)


def test_an_item_under_another_topic_is_a_problem(tmp_path: Path) -> None:
    root = write_bank(
        tmp_path,
        {
            "t1.yaml": {"topic": topic(), "facts": [fact()], "questions": [question()]},
            "t2.yaml": {
                "topic": topic(id="t2", title="Two"),
                "facts": [fact(id="t2-f01", text="Other.")],
                "questions": [question(id="t2-q01", question="Other?")],
            },
        },
    )
    write_overlay(root, hindi_overlay(facts={"t2-f01": {"text": "दूसरा।"}}, questions={}))
    assert "hi/t1.yaml: t2-f01: belongs to topic 't2' in English, not 't1'" in problems(root)


def test_a_different_number_of_options_is_a_problem(tmp_path: Path) -> None:
    root = english_bank(tmp_path)
    write_overlay(root, with_question(question="कब?", options=["1951", "1989", "2016"], explanation="1951।"))
    assert problems(root) == ["hi/t1.yaml: t1-q01: options: 3 given, the English item has 2"]


def test_a_different_number_of_statements_is_a_problem(tmp_path: Path) -> None:
    root = english_bank(tmp_path)
    overlay = hindi_overlay()
    questions = overlay["questions"]
    assert isinstance(questions, dict)
    questions["t1-q02"] = {**questions["t1-q02"], "statements": ["केवल एक कथन।"]}
    write_overlay(root, overlay)
    assert problems(root) == ["hi/t1.yaml: t1-q02: statements: 1 given, the English item has 2"]


def test_a_hindi_option_over_telegrams_limit_is_a_problem(tmp_path: Path) -> None:
    # Every matra is a character of its own, as Telegram counts: "कि" is two.
    long = "1989 " + "कि" * ((PollLimit.MAX_OPTION_LENGTH - 4) // 2)
    root = english_bank(tmp_path)
    write_overlay(root, with_question(question="कब?", options=["1951", long], explanation="1951।"))
    found = problems(root)
    assert len(found) == 1 and found[0].startswith("hi/t1.yaml: t1-q01:") and "option 2 is 101 characters" in found[0]


def test_a_hindi_explanation_over_telegrams_limit_is_a_problem(tmp_path: Path) -> None:
    long = "ा" * (PollLimit.MAX_EXPLANATION_LENGTH + 1)
    root = english_bank(tmp_path)
    write_overlay(root, with_question(question="कब?", options=["1951", "1989"], explanation=long))
    assert any("t1-q01" in p and "explanation is 201 characters" in p for p in problems(root))


def test_an_answer_in_an_overlay_is_a_problem(tmp_path: Path) -> None:
    root = english_bank(tmp_path)
    write_overlay(root, with_question(question="कब?", options=["1951", "1989"], explanation="1951।", answer=1))
    assert problems(root) == [
        "hi/t1.yaml: t1-q01: answer: not translatable (shapes, answers, sources and dates come from the English item)"
    ]


def test_a_field_the_english_item_has_is_required(tmp_path: Path) -> None:
    root = english_bank(tmp_path)
    write_overlay(root, with_question(question="कब?", options=["1951", "1989"]))
    assert problems(root) == ["hi/t1.yaml: t1-q01: explanation: missing (the English item has it)"]


def test_a_field_the_english_item_lacks_is_a_problem(tmp_path: Path) -> None:
    root = english_bank(tmp_path)
    fields = {"question": "कब?", "options": ["1951", "1989"], "explanation": "1951।", "full_explanation": "लंबा।"}
    write_overlay(root, with_question(**fields))
    assert problems(root) == ["hi/t1.yaml: t1-q01: full_explanation: the English item has none"]


def test_an_option_with_other_figures_is_a_problem(tmp_path: Path) -> None:
    root = english_bank(tmp_path)
    write_overlay(root, with_question(question="कब?", options=["1951", "1998"], explanation="1951।"))
    assert problems(root) == ["hi/t1.yaml: t1-q01: option 2: figures [1998] differ from the English option's [1989]"]


def test_two_translations_with_one_text_are_a_problem(tmp_path: Path) -> None:
    # Most likely one text pasted under the wrong id.
    root = write_bank(
        tmp_path,
        {"t1.yaml": {"topic": topic(), "facts": [fact(), fact(id="t1-f02", text="Other.")], "questions": [question()]}},
    )
    write_overlay(root, hindi_overlay(facts={"t1-f01": {"text": "एक।"}, "t1-f02": {"text": " एक। "}}, questions={}))
    assert problems(root) == [
        "hi/t1.yaml: t1-f01: another item has the same text",
        "hi/t1.yaml: t1-f02: another item has the same text",
    ]


def test_devanagari_digits_are_the_same_figures(tmp_path: Path) -> None:
    root = english_bank(tmp_path)
    write_overlay(root, with_question(question="कब?", options=["१९५१", "१९८९"], explanation="1951।"))
    assert problems(root) == []


def test_html_or_placeholders_the_english_lacks_are_a_problem(tmp_path: Path) -> None:
    root = english_bank(tmp_path)
    write_overlay(root, with_question(question="<b>कब</b>?", options=["1951", "1989"], explanation="{name} 1951।"))
    found = problems(root)
    assert len(found) == 1 and "question: HTML tags" in found[0] and "explanation: HTML tags" in found[0]


@pytest.mark.parametrize(
    "text",
    [
        "topic: [unclosed",  # not YAML
        "- just\n- a list\n",  # not a mapping
        "topic: {id: t1}\nquestions: [a, b]\n",  # a section that is no mapping
        "topic: {id: t1}\nfacts: {t1-f01: just text}\n",  # an item that is no mapping
        "topic: {id: t1}\nfacts: {t1-f01: {text: [1, 2]}}\n",  # a field of the wrong type
        "\xff\xfe",  # not UTF-8 once written as Latin-1 below
    ],
)
def test_a_broken_overlay_is_a_problem_never_an_exception(tmp_path: Path, text: str) -> None:
    root = english_bank(tmp_path)
    (root / "hi").mkdir()
    (root / "hi" / "t1.yaml").write_bytes(text.encode("latin-1" if text.startswith("\xff") else "utf-8"))
    result = checked(root)
    assert result.problems and all(p.file == "hi/t1.yaml" for p in result.problems)
    assert result.bank.in_language("hi").facts["t1-f01"] == result.bank.facts["t1-f01"]
    with pytest.raises(ContentError, match=r"hi/t1\.yaml"):
        load_bank(root, today=dt.date(2026, 1, 1))


def test_aliases_that_are_no_list_are_a_problem(tmp_path: Path) -> None:
    root = english_bank(tmp_path)
    overlay = hindi_overlay()
    page = overlay["topic"]
    assert isinstance(page, dict)
    write_overlay(root, {**overlay, "topic": {**page, "aliases": "आईओएम"}})
    assert [p.split(": ")[:3] for p in problems(root)] == [["hi/t1.yaml", "t1", "aliases"]]


def test_a_folder_of_an_unknown_language_is_ignored_with_a_warning(tmp_path: Path) -> None:
    root = english_bank(tmp_path)
    write_overlay(root, hindi_overlay(), language="xx")
    result = checked(root)
    assert result.problems == [] and list(result.languages) == []
    assert [str(w) for w in result.warnings] == ["xx/: -: folder ignored: the bot knows only hi"]


def test_check_content_json_reports_each_language(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = english_bank(tmp_path)
    write_overlay(root, hindi_overlay(facts={}))
    assert check_content(root, as_json=True) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "hi: 1 topics, 0 facts, 2 questions, 0 mains prompts; 1 missing (t1-f01)" in lines
    summary = json.loads(lines[-1])
    assert summary["languages"] == {"hi": {"topics": 1, "facts": 0, "questions": 2, "mains": 0, "missing": ["t1-f01"]}}


# --- the real bank ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> LoadResult:
    return parsed_once(check_bank, DEFAULT_CONTENT_DIR)


def test_the_real_bank_is_complete_in_hindi(real: LoadResult) -> None:
    assert real.problems == []
    report = real.languages["hi"]
    assert report.missing == []
    bank = real.bank
    assert (report.topics, report.facts, report.questions, report.mains) == (
        len(bank.topics),
        len(bank.facts),
        len(bank.questions),
        len(bank.mains),
    )


def test_hindi_lengths_are_the_same_in_characters_and_utf16_units(real: LoadResult) -> None:
    # Telegram counts a poll's limits in characters and entity offsets in UTF-16 units; Devanagari
    # lies in the Basic Multilingual Plane, so the two agree for every Hindi text of the bank.
    hindi = real.bank.in_language("hi")
    texts = [q.asked() + q.explanation + "".join(q.options) for q in hindi.questions.values()]
    texts += [f.text for f in hindi.facts.values()]
    for text in texts:
        assert len(text.encode("utf-16-le")) // 2 == len(text)


#: Acronyms the glossary introduces with a full Hindi name ("First: … (IOM)").
GLOSSED_ACRONYMS = ("IOM", "GCM", "CPTSU", "ADD", "GCC", "ILO", "IOE", "GMDAC", "IDF", "MiGOF", "MRC", "MDMS", "UNGA")


def first_bare_use(text: str, acronym: str) -> bool:
    """True when the acronym's first use is bare rather than the bracket after its full name (an
    office or fund named after IOM, such as "IOM भारत" or "IOM विकास कोष", is a name of its own)."""
    own_names = r"(?! (?:भारत|नेपाल|श्रीलंका|विकास कोष|मुख्यालय|परिषद))" if acronym == "IOM" else ""
    found = re.search(rf"(?<![A-Za-z]){acronym}(?![A-Za-z]){own_names}", text)
    return found is not None and text[found.start() - 1 : found.start()] != "("


def test_hindi_texts_name_an_acronym_in_full_before_using_it(real: LoadResult) -> None:
    # GLOSSARY rule 4: a fact, a topic page and a Mains prompt each stand alone, so each spells the
    # name out at its first use (the blind reader could not expand a bare "IOE").
    hindi = real.bank.in_language("hi")
    texts = {f.id: f.text for f in hindi.facts.values()}
    texts |= {m.id: " ".join([m.prompt, *m.key_points]) for m in hindi.mains.values()}
    texts |= {t.id: " ".join([t.summary, *t.takeaways, t.exam_relevance]) for t in hindi.topics.values()}
    bare = [(item, a) for item, text in texts.items() for a in GLOSSED_ACRONYMS if first_bare_use(text, a)]
    assert bare == []


#: Glossary terms a reader cannot take at face value (the second blind reading flagged each), with the
#: gloss that every Hindi text using the term carries (GLOSSARY.md, the rows of these terms).
GLOSSED_TERMS = {
    "सर्वव्यापी": "सर्वव्यापी (cross-cutting)",
    "1035 सुविधा": "1035 Facility",
    "ICWA": "इंडियन काउंसिल ऑफ वर्ल्ड अफेयर्स",
}


def hindi_texts(bank: Bank) -> dict[str, str]:
    """Every Hindi text the bot sends as one unit, by item id. A question's options are left out:
    they take no brackets, so a question whose term is only in an option glosses it in the explanation."""
    texts = {f.id: f.text for f in bank.facts.values()}
    texts |= {m.id: " ".join([m.prompt, *m.key_points]) for m in bank.mains.values()}
    texts |= {t.id: " ".join([t.summary, *t.takeaways, t.exam_relevance]) for t in bank.topics.values()}
    for q in bank.questions.values():
        texts[q.id] = " ".join([q.question, *q.statements, q.ask or "", q.explanation])
        if q.full_explanation:
            texts[f"{q.id}.full_explanation"] = q.full_explanation
    return texts


def test_every_hindi_text_with_a_doubtful_term_carries_its_gloss(real: LoadResult) -> None:
    texts = hindi_texts(real.bank.in_language("hi"))
    unglossed = [
        (item, term)
        for item, text in texts.items()
        for term, gloss in GLOSSED_TERMS.items()
        if term in text and gloss not in text
    ]
    assert unglossed == []


def test_cross_cutting_is_glossed_at_its_first_use_in_every_hindi_text(real: LoadResult) -> None:
    texts = hindi_texts(real.bank.in_language("hi"))
    late = [item for item, text in texts.items() if text.find("सर्वव्यापी") != text.find("सर्वव्यापी (cross-cutting)")]
    assert late == []


def test_the_hindi_default_closing_line_is_the_glossarys() -> None:
    glossary = (DEFAULT_CONTENT_DIR / "hi" / "GLOSSARY.md").read_text(encoding="utf-8")
    assert f"| Which of the statements given above is/are correct? | {SPLIT_POLL_QUESTIONS['hi']} |" in glossary
