"""Splitting at Telegram's 4,096-unit limit on natural boundaries, and HTML escaping."""

from __future__ import annotations

from channels.telegram.formatting import LIMIT, split_text, to_html, utf16_len


def test_short_text_is_one_chunk_and_blank_text_none() -> None:
    assert split_text("  Добрый день!\n") == ["Добрый день!"]
    assert split_text(" \n\n ") == []


def test_paragraph_boundaries_come_first() -> None:
    paragraphs = ["а" * 3000, "б" * 3000, "в" * 100]
    assert split_text("\n\n".join(paragraphs)) == [paragraphs[0], "\n\n".join(paragraphs[1:])]


def test_then_lines_then_sentences_then_spaces() -> None:
    lines = "\n".join(["строка " * 100] * 10)
    assert all("\n" not in chunk[-1:] for chunk in split_text(lines))
    sentences = " ".join(["Предложение номер один закончилось."] * 200)
    chunks = split_text(sentences)
    assert len(chunks) == 2 and chunks[0].endswith(".") and chunks[1].startswith("Предложение")
    words = " ".join(["слово"] * 1000)
    assert all(not c.startswith(" ") and not c.endswith(" ") for c in split_text(words))
    assert " ".join(split_text(words)) == words


def test_one_huge_word_is_cut_hard() -> None:
    chunks = split_text("x" * 10_000)
    assert [len(c) for c in chunks] == [LIMIT, LIMIT, 10_000 - 2 * LIMIT]


def test_limit_is_counted_in_utf16_units() -> None:
    text = "😀" * 3000  # 6,000 UTF-16 units
    chunks = split_text(text)
    assert all(utf16_len(c) <= LIMIT for c in chunks) and "".join(chunks) == text
    assert len(chunks[0]) == LIMIT // 2


def test_every_chunk_fits_and_nothing_is_lost() -> None:
    text = "\n\n".join(f"Абзац {i}. " + "Текст предложения. " * (i * 37 % 300) for i in range(40))
    chunks = split_text(text)
    assert all(0 < utf16_len(c) <= LIMIT for c in chunks)
    assert "".join(text.split()) == "".join("".join(chunks).split())


def test_html_escaping_makes_markup_literal() -> None:
    assert to_html("<b>Цена</b> & «условия» > 0") == "&lt;b&gt;Цена&lt;/b&gt; &amp; «условия» &gt; 0"
    assert to_html('кавычки "как есть"') == 'кавычки "как есть"'
