"""HTML bodies to text: lines from block elements, quotes as "> " lines, markup dropped."""

from __future__ import annotations

from channels.email.html_text import QUOTE_MARK, html_to_text


def test_blocks_breaks_and_entities() -> None:
    html = "<div>Добрый&nbsp;день!</div><div><br></div><p>Пришлите <b>цены</b> &amp; условия.</p>"
    assert html_to_text(html) == "Добрый день!\n\nПришлите цены & условия."


def test_style_script_and_head_content_are_dropped() -> None:
    html = "<html><head><title>t</title><style>p{color:red}</style></head><body><script>x=1</script>Да</body></html>"
    assert html_to_text(html) == "Да"


def test_blockquotes_and_gmail_quote_become_quoted_lines() -> None:
    html = (
        '<div>Да.</div><div class="gmail_quote"><div class="gmail_attr">пн, 23 нояб. 2026 г. в 10:00, Анна:</div>'
        "<blockquote>Текст<br>письма</blockquote></div>"
    )
    lines = html_to_text(html).split("\n")
    assert lines[0] == "Да."
    assert all(line.startswith(">") for line in lines[1:] if line)
    assert "> > Текст" in lines


def test_outlook_reply_container_is_a_quote_mark() -> None:
    html = '<div>Да.</div><div id="divRplyFwdMsg"><b>От:</b> Анна</div>'
    assert html_to_text(html).split("\n")[1] == QUOTE_MARK


def test_pre_keeps_its_lines() -> None:
    assert html_to_text("<pre>a  b\n  c</pre>") == "a  b\n  c"


def test_broken_markup_never_raises() -> None:
    for html in ("<div><p>unclosed", "</div></div>text", "<![if !supportLists]>x<![endif]>", "<a href='", "<" * 1000):
        assert isinstance(html_to_text(html), str)
