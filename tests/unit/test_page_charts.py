"""The server-drawn bar charts: bars in proportion, names escaped, nothing to draw said plainly."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from api.pages.charts import Group, bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def _chart(groups: list[Group], series: tuple[str, ...] = ("高风险", "中风险")) -> ElementTree.Element:
    drawn = bar_chart(
        chart_id="c", title="在办个案", desc="各站在办个案", series=series, groups=groups, empty="暂无数据"
    )
    return ElementTree.fromstring(str(drawn))


def test_a_chart_is_an_image_named_by_its_title_and_description() -> None:
    svg = _chart([Group("城关站", [2, 1])])
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c-title c-desc"
    assert svg.find(f"{SVG}title").text == "在办个案"  # type: ignore[union-attr]
    assert svg.find(f"{SVG}desc").text == "各站在办个案"  # type: ignore[union-attr]


def test_bars_are_as_long_as_their_share_of_the_largest_figure() -> None:
    svg = _chart([Group("城关站", [4, 1]), Group("北关站", [2, 0])])
    widths = [float(rect.get("width", "").rstrip("%")) for rect in svg.iter(f"{SVG}rect")]
    assert widths == [100.0, 25.0, 50.0, 0.0]
    texts = [text.text for text in svg.iter(f"{SVG}text")]
    assert texts == ["城关站", "高风险 4", "中风险 1", "北关站", "高风险 2", "中风险 0"]  # each figure in words


def test_names_are_escaped_not_run_as_markup() -> None:
    drawn = str(
        bar_chart(
            chart_id="c",
            title='<script>alert("t")</script>',
            desc="a & b",
            series=["<b>x</b>"],
            groups=[Group("</text><script>alert(1)</script>", [3])],
            empty="-",
        )
    )
    assert "<script>" not in drawn and "<b>" not in drawn
    assert "&lt;script&gt;" in drawn and "a &amp; b" in drawn
    ElementTree.fromstring(drawn)  # still well-formed


def test_nothing_to_draw_is_said_rather_than_drawn() -> None:
    for groups in ([], [Group("城关站", [0, 0])]):
        svg = _chart(groups)
        assert list(svg.iter(f"{SVG}rect")) == []
        assert [text.text for text in svg.iter(f"{SVG}text")] == ["暂无数据"]
        assert re.fullmatch(r"\d+\.\d\dem", svg.get("height", ""))
