"""The charts' labels fit their column: cut with an ellipsis, the whole text in a tooltip."""

from rapport.reports.svg import _fit, bars


def test_long_labels_are_cut_and_kept_whole_in_the_tooltip():
    zh = "物流单号 SF161380294428 已经五天没有更新了，请问是什么情况？"
    assert _fit("Когда ждать?") == "Когда ждать?"
    assert _fit(zh) == "物流单号 SF161380294428…"
    assert _fit("How do I get my staff discount when ordering?") == "How do I get my staff di…"
    svg = bars([(zh, 11), ("<b>", 2)], "Upgrades", "desc")
    assert f"<title>{zh}</title>" in svg and "&lt;b&gt;" in svg and "<b>" not in svg
